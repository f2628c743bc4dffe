// The benchmark activities (run by the worker, outside the sandbox).
export async function step(v) {
  return v + 1;
}
export async function idx(i) {
  return i;
}
export async function now() {
  return Date.now();
}
