// Runs in a worker thread: bcryptjs is pure JavaScript and would otherwise
// block the event loop for the whole hash (~50-100 ms at cost 10).
// Plain JavaScript so it loads the same under node, tsx and Vitest.
import bcrypt from 'bcryptjs';

export default function run(task) {
  return task.op === 'hash' ? bcrypt.hashSync(task.password, task.cost) : bcrypt.compareSync(task.password, task.hash);
}
