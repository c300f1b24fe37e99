package detect

import (
	"math/rand"
	"testing"
	"time"
)

// A sustained jump right after a false alarm: the NAB-tuned default is in
// its refractory period and stays silent; the continuous one reports it.
func TestContinuousReportsAJumpAfterAFalseAlarm(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	values := make([]float64, 0, 460)
	for i := 0; i < 400; i++ {
		values = append(values, 20+rng.NormFloat64()*3)
	}
	values[395] = 40 // a lone spike: a plausible false alarm
	for i := 0; i < 60; i++ {
		values = append(values, 97+rng.Float64()*2)
	}
	run := func(d Detector) (spike, jump float64) {
		t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		for i, v := range values {
			s := d.Observe(t0.Add(time.Duration(i)*10*time.Second), v).Score
			switch {
			case i == 395:
				spike = s
			case i >= 400 && s > jump:
				jump = s
			}
		}
		return spike, jump
	}
	c, err := NewContinuous(DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	if _, jump := run(c); jump < DefaultThreshold {
		t.Fatalf("continuous detector: best score during the jump = %.3f, want ≥ %.2f", jump, DefaultThreshold)
	}
	d, _ := New(DefaultName)
	if spike, jump := run(d); spike >= DefaultThreshold && jump >= DefaultThreshold {
		t.Logf("note: the NAB default also reported the jump (%.3f)", jump)
	}
	if z, _ := NewContinuous("zscore"); z == nil {
		t.Fatal("NewContinuous(zscore) returned nil")
	}
}
