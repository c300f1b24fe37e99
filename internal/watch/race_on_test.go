//go:build race

package watch_test

// raceEnabled is true when the race detector is on: it multiplies memory
// and time, so the memory bound test does not run under it.
const raceEnabled = true
