// Package insight turns detector scores into anomalies and anomalies into
// insights a person can act on: reactive insights group the anomalies of one
// application boundary that overlap in time, name the problem type, rate
// the severity, and close when the metrics are normal again.
package insight

import (
	"context"
	"errors"
	"time"

	"github.com/tendhq/tend/internal/series"
)

// Observation is one scored sample of one series, as the detection stage
// hands it on.
type Observation struct {
	Series series.Info
	Time   time.Time
	Value  float64
	// Score is the detector's anomaly score in [0,1]; Reason its
	// explanation ("value 3.1σ above the 1-day baseline").
	Score  float64
	Reason string
	// Baselining is true while the series is still inside its baseline
	// period: the observation is recorded but raises nothing.
	Baselining bool
}

// Observer consumes observations. Implementations must be safe for
// concurrent use and must not block for long: the ingest path calls it.
type Observer interface {
	Observe(ctx context.Context, obs Observation) error
}

// Observers hands each observation to every observer in turn (the
// reactive engine and the proactive one); the errors are joined.
type Observers []Observer

var _ Observer = Observers(nil)

// Observe calls every observer.
func (os Observers) Observe(ctx context.Context, obs Observation) error {
	var errs []error
	for _, o := range os {
		if err := o.Observe(ctx, obs); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
