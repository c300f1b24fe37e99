package watch

import (
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/detect"
)

// detectScorer adapts a detect.Detector to Scorer. The embedded detector's
// MarshalBinary and UnmarshalBinary are promoted, so its learned state is
// kept in snapshots.
type detectScorer struct{ detect.Detector }

var _ Scorer = detectScorer{}

func (d detectScorer) Observe(t time.Time, v float64) (float64, string) {
	r := d.Detector.Observe(t, v)
	return r.Score, r.Reason
}

// DetectorScorers returns a NewScorer that gives every series its own
// detector from package detect ("" is detect.DefaultName). It fails at once
// for an unknown name.
func DetectorScorers(name string) (NewScorer, error) {
	newDetector, err := detect.ContinuousFactory(name)
	if err != nil {
		return nil, fmt.Errorf("detector: %w", err)
	}
	return func() Scorer { return detectScorer{newDetector()} }, nil
}
