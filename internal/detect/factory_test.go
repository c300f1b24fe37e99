package detect

import (
	"bytes"
	"math"
	"testing"
	"time"
)

// TestContinuousFactoryScoresAsNewContinuous: detectors carved from the
// factory's blocks, sharing one configuration, score every point exactly
// as NewContinuous' do, and their snapshots are byte for byte the same.
func TestContinuousFactoryScoresAsNewContinuous(t *testing.T) {
	f, err := ContinuousFactory("")
	if err != nil {
		t.Fatal(err)
	}
	var fromFactory []Detector
	for range ensembleBlock + 3 { // more than one block
		fromFactory = append(fromFactory, f())
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for k, d := range fromFactory {
		ref, _ := NewContinuous("")
		for i := range 3000 {
			v := 50 + 10*math.Sin(float64(i)/40) + float64((i*7919+k)%13)
			if i == 2500 {
				v = 400
			}
			at := t0.Add(time.Duration(i) * 5 * time.Minute)
			a, b := d.Observe(at, v), ref.Observe(at, v)
			if a != b {
				t.Fatalf("detector %d, point %d: factory %+v, NewContinuous %+v", k, i, a, b)
			}
		}
		sa, _ := d.MarshalBinary()
		sb, _ := ref.MarshalBinary()
		if !bytes.Equal(sa, sb) {
			t.Fatalf("detector %d: snapshots differ", k)
		}
	}
	if _, err := ContinuousFactory("no-such"); err == nil {
		t.Fatal("unknown detector accepted")
	}
	z, err := ContinuousFactory("zscore")
	if err != nil || z() == nil {
		t.Fatalf("zscore factory: %v", err)
	}
}
