// Milliseconds on the system's monotonic clock (CLOCK_MONOTONIC, through
// libuv). Every thread of the process reads the same clock, and neither NTP
// nor an operator steps it: for a deadline that one thread sets and another
// checks (an ask handed from the main thread to a host thread). Not a time of
// day, and not comparable across processes or machines: a deadline that
// crosses nodes travels as epoch ms and is turned into a local timeout there.
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
