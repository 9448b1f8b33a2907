// Tiny in-memory task queue with retries and a concurrency limit.
'use strict';

const DEFAULT_OPTIONS = {
  concurrency: 2,
  retries: 3,
  backoffMs: 100,
};

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class TaskQueue {
  constructor(options = {}) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    this.pending = [];
    this.running = 0;
    this.completed = 0;
    this.failed = 0;
    this.listeners = new Map();
  }

  on(event, handler) {
    if (!this.listeners.has(event)) {
      this.listeners.set(event, []);
    }
    this.listeners.get(event).push(handler);
    return this;
  }

  emit(event, payload) {
    for (const handler of this.listeners.get(event) ?? []) {
      handler(payload);
    }
  }

  push(name, fn) {
    return new Promise((resolve, reject) => {
      this.pending.push({ name, fn, resolve, reject, attempt: 0 });
      this.#drain();
    });
  }

  async #run(task) {
    const { retries, backoffMs } = this.options;
    while (true) {
      task.attempt += 1;
      try {
        const result = await task.fn();
        this.completed += 1;
        this.emit('done', { name: task.name, attempt: task.attempt });
        return task.resolve(result);
      } catch (err) {
        if (task.attempt > retries) {
          this.failed += 1;
          this.emit('failed', { name: task.name, error: err.message });
          return task.reject(err);
        }
        const delay = backoffMs * 2 ** (task.attempt - 1);
        this.emit('retry', { name: task.name, attempt: task.attempt, delay });
        await sleep(delay);
      }
    }
  }

  #drain() {
    while (this.running < this.options.concurrency && this.pending.length > 0) {
      const task = this.pending.shift();
      this.running += 1;
      this.#run(task).finally(() => {
        this.running -= 1;
        if (this.pending.length === 0 && this.running === 0) {
          this.emit('idle', this.stats());
        }
        this.#drain();
      });
    }
  }

  stats() {
    return {
      pending: this.pending.length,
      running: this.running,
      completed: this.completed,
      failed: this.failed,
    };
  }
}

async function demo() {
  const queue = new TaskQueue({ concurrency: 3, retries: 2, backoffMs: 20 });
  queue
    .on('retry', ({ name, attempt, delay }) =>
      console.log(`retrying ${name} (attempt ${attempt}) in ${delay} ms`))
    .on('idle', (s) => console.log('queue idle:', JSON.stringify(s)));

  let flaky = 0;
  const jobs = [
    queue.push('fetch-users', async () => ['ayse', 'mehmet', 'zeynep']),
    queue.push('flaky-report', async () => {
      flaky += 1;
      if (flaky < 3) throw new Error('temporary failure');
      return { rows: 42 };
    }),
    queue.push('always-broken', async () => {
      throw new Error('disk full');
    }),
  ];

  const results = await Promise.allSettled(jobs);
  for (const r of results) {
    console.log(r.status, r.status === 'fulfilled' ? r.value : r.reason.message);
  }
}

module.exports = { TaskQueue, sleep };

if (require.main === module) {
  demo();
}
