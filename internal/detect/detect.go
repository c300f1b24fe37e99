// Package detect holds tend's streaming anomaly detectors: one value in, an
// anomaly score in [0,1] and a short reason out, per series, in bounded state
// and without allocation. Detectors are strictly causal: a score depends only
// on the points already observed, never on a file's length or range.
//
// Use New(DefaultName) for one detector per series; feed it every sample in
// time order; raise an anomaly when Score ≥ DefaultThreshold.
package detect

import (
	"encoding"
	"fmt"
	"sort"
	"time"
)

// Detector scores a single series as it streams.
//
// The contract:
//  1. Create one Detector per series (New); it is not safe for concurrent use.
//  2. Call Observe with every sample in arrival order. Timestamps may repeat
//     or go backwards; the detector copes and never panics. Non-finite values
//     (NaN, ±Inf) are ignored and return a zero Result.
//  3. Observe returns a Score in [0,1]: 0 is entirely normal, values at or
//     above DefaultThreshold are alerts. Right after an alert the detector
//     suppresses further alerts for a while (one alert per incident).
//  4. Reason is empty for ordinary points and a short sentence a person can
//     read ("value 4.2σ above the 1-day baseline") when Score ≥ DefaultThreshold.
//  5. MarshalBinary snapshots the learned state (at most a few KiB);
//     UnmarshalBinary on a detector made by New with the same name restores it,
//     so a restarted process does not learn from scratch.
//  6. Observe does not allocate, except to format a Reason for an alert.
type Detector interface {
	Observe(t time.Time, v float64) Result
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

// Result is the outcome of observing one point.
type Result struct {
	// Score is the anomaly score in [0,1].
	Score float64
	// Reason explains an alert-level score; empty below DefaultThreshold.
	Reason string
}

// DefaultName names the detector tend uses everywhere unless configured
// otherwise.
const DefaultName = "tend"

// DefaultThreshold is the anomaly score at or above which tend raises an
// anomaly with the default detector.
const DefaultThreshold = 0.5

// registry maps names to constructors. It is filled by the detectors' files
// and never changes after package initialisation.
var registry = map[string]func() Detector{}

func register(name string, f func() Detector) bool {
	registry[name] = f
	return true
}

// New returns a fresh detector by name ("" means DefaultName).
func New(name string) (Detector, error) {
	if name == "" {
		name = DefaultName
	}
	f, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown detector %q (have %v)", name, Names())
	}
	return f(), nil
}

// Names lists the registered detectors, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
