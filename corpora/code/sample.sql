-- Schema and reporting queries for a small library lending system.

CREATE TABLE members (
    member_id   INTEGER PRIMARY KEY,
    full_name   TEXT NOT NULL,
    email       TEXT UNIQUE,
    joined_on   DATE NOT NULL DEFAULT CURRENT_DATE
);

CREATE TABLE books (
    book_id     INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    author      TEXT NOT NULL,
    published   INTEGER CHECK (published BETWEEN 1450 AND 2100),
    copies      INTEGER NOT NULL DEFAULT 1 CHECK (copies >= 0)
);

CREATE TABLE loans (
    loan_id     INTEGER PRIMARY KEY,
    book_id     INTEGER NOT NULL REFERENCES books (book_id),
    member_id   INTEGER NOT NULL REFERENCES members (member_id),
    borrowed_on DATE NOT NULL,
    due_on      DATE NOT NULL,
    returned_on DATE,
    CHECK (due_on > borrowed_on)
);

CREATE INDEX idx_loans_member ON loans (member_id);
CREATE INDEX idx_loans_open ON loans (book_id) WHERE returned_on IS NULL;

-- Books currently available, with the number of free copies.
SELECT b.title,
       b.author,
       b.copies - COUNT(l.loan_id) AS available
FROM books AS b
LEFT JOIN loans AS l
       ON l.book_id = b.book_id
      AND l.returned_on IS NULL
GROUP BY b.book_id, b.title, b.author, b.copies
HAVING b.copies - COUNT(l.loan_id) > 0
ORDER BY b.title;

-- Overdue loans as of a given day, most overdue first.
SELECT m.full_name,
       b.title,
       l.due_on,
       julianday('2024-03-15') - julianday(l.due_on) AS days_late
FROM loans AS l
JOIN members AS m ON m.member_id = l.member_id
JOIN books AS b ON b.book_id = l.book_id
WHERE l.returned_on IS NULL
  AND l.due_on < '2024-03-15'
ORDER BY days_late DESC;

-- Top five members by number of loans in 2023.
WITH yearly AS (
    SELECT member_id, COUNT(*) AS n_loans
    FROM loans
    WHERE borrowed_on >= '2023-01-01' AND borrowed_on < '2024-01-01'
    GROUP BY member_id
)
SELECT m.full_name, y.n_loans,
       RANK() OVER (ORDER BY y.n_loans DESC) AS position
FROM yearly AS y
JOIN members AS m USING (member_id)
ORDER BY position
LIMIT 5;
