//! Word frequency counter: reads text from stdin and prints the most common words.

use std::collections::HashMap;
use std::env;
use std::fmt;
use std::io::{self, Read};

#[derive(Debug)]
struct Config {
    top: usize,
    min_len: usize,
    lowercase: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config { top: 10, min_len: 1, lowercase: true }
    }
}

#[derive(Debug)]
enum ArgError {
    MissingValue(String),
    BadNumber(String, String),
    Unknown(String),
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgError::MissingValue(flag) => write!(f, "missing value for {}", flag),
            ArgError::BadNumber(flag, v) => write!(f, "{} expects a number, got '{}'", flag, v),
            ArgError::Unknown(arg) => write!(f, "unknown argument '{}'", arg),
        }
    }
}

fn parse_args<I: Iterator<Item = String>>(mut args: I) -> Result<Config, ArgError> {
    let mut cfg = Config::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--top" | "--min-len" => {
                let value = args.next().ok_or_else(|| ArgError::MissingValue(arg.clone()))?;
                let n: usize = value
                    .parse()
                    .map_err(|_| ArgError::BadNumber(arg.clone(), value.clone()))?;
                if arg == "--top" {
                    cfg.top = n;
                } else {
                    cfg.min_len = n;
                }
            }
            "--keep-case" => cfg.lowercase = false,
            _ => return Err(ArgError::Unknown(arg)),
        }
    }
    Ok(cfg)
}

fn count_words(text: &str, cfg: &Config) -> HashMap<String, usize> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for raw in text.split(|c: char| !c.is_alphanumeric() && c != '\'') {
        let word = raw.trim_matches('\'');
        if word.chars().count() < cfg.min_len || word.is_empty() {
            continue;
        }
        let key = if cfg.lowercase { word.to_lowercase() } else { word.to_string() };
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

fn top_n(counts: &HashMap<String, usize>, n: usize) -> Vec<(&str, usize)> {
    let mut pairs: Vec<(&str, usize)> = counts.iter().map(|(w, c)| (w.as_str(), *c)).collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    pairs.truncate(n);
    pairs
}

fn main() {
    let cfg = match parse_args(env::args().skip(1)) {
        Ok(cfg) => cfg,
        Err(e) => {
            eprintln!("error: {}", e);
            std::process::exit(2);
        }
    };

    let mut input = String::new();
    if let Err(e) = io::stdin().read_to_string(&mut input) {
        eprintln!("error reading stdin: {}", e);
        std::process::exit(1);
    }

    let counts = count_words(&input, &cfg);
    let total: usize = counts.values().sum();
    println!("{} words, {} distinct", total, counts.len());

    let width = top_n(&counts, cfg.top).iter().map(|(w, _)| w.chars().count()).max().unwrap_or(4);
    for (rank, (word, count)) in top_n(&counts, cfg.top).into_iter().enumerate() {
        let share = 100.0 * count as f64 / total.max(1) as f64;
        println!("{:>3}. {:<width$} {:>6} {:>6.2}%", rank + 1, word, count, share, width = width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_case_insensitive_by_default() {
        let counts = count_words("Kedi kedi KEDİ köpek", &Config::default());
        assert_eq!(counts.get("kedi"), Some(&2));
        assert_eq!(counts.get("köpek"), Some(&1));
    }

    #[test]
    fn rejects_unknown_flags() {
        let args = vec!["--verbose".to_string()].into_iter();
        assert!(matches!(parse_args(args), Err(ArgError::Unknown(_))));
    }
}
