package store

import (
	"context"
	"encoding/json"
	"time"
)

// Anomaly statuses.
const (
	AnomalyOpen   = "OPEN"
	AnomalyClosed = "CLOSED"
)

// Anomaly is one series behaving abnormally for a while: from the sample
// whose score crossed the threshold to the return to normal.
type Anomaly struct {
	ID        string `json:"id"`
	InsightID string `json:"insight_id"`
	Status    string `json:"status"` // OPEN or CLOSED

	// The metric's identity.
	SeriesID  string            `json:"series_id"`
	Metric    string            `json:"metric"`
	Labels    map[string]string `json:"labels,omitempty"`
	Statistic string            `json:"statistic,omitempty"`
	Period    time.Duration     `json:"-"` // in JSON: period_seconds
	Unit      string            `json:"unit,omitempty"`
	// Family is the metric family ("cpu", "memory", "latency" …) and
	// ProblemType what it points to (CPU_SATURATION …).
	Family      string `json:"family"`
	ProblemType string `json:"problem_type"`

	Resource    InsightResource `json:"resource"`
	BoundaryKey string          `json:"boundary_key"`

	StartedAt time.Time `json:"start_time"`
	EndedAt   time.Time `json:"end_time,omitzero"` // zero while open
	PeakScore float64   `json:"peak_score"`
	PeakValue float64   `json:"peak_value"`
	PeakAt    time.Time `json:"peak_time"`
	// Reason is the detector's explanation at the peak.
	Reason string `json:"reason"`
	// Excerpt is a bounded window of the series around the anomaly.
	Excerpt []Point `json:"excerpt"`
	// Forecast is, for a proactive anomaly, the trend and when it reaches
	// the limit.
	Forecast *Forecast `json:"forecast,omitempty"`

	// Owner is the tend process that tracks the anomaly (insight.instance).
	Owner     string    `json:"owner"`
	UpdatedAt time.Time `json:"updated_at"`

	// Notify are messages Upsert puts in the outbox in the same
	// transaction (not stored with the anomaly).
	Notify []Notification `json:"-"`
}

// Forecast is where a series is heading: a robust linear trend fitted at
// FitAt and when it reaches Limit, with a confidence band.
type Forecast struct {
	// Limit is the value at which the resource is exhausted (DevOps Guru's
	// ProactiveAnomaly Limit); Direction is "up" (the series rises to it)
	// or "down" (it falls to it, as free bytes do).
	Limit     float64 `json:"limit"`
	Direction string  `json:"direction"`
	// LimitSource says where the limit came from ("100 %", the series
	// container_spec_memory_limit_bytes{…}).
	LimitSource string `json:"limit_source,omitempty"`
	// Level is the trend's value at FitAt; Slope its change per hour, with
	// SlopeLow and SlopeHigh the 95 % confidence bounds.
	FitAt     time.Time `json:"fit_time"`
	Level     float64   `json:"level"`
	Slope     float64   `json:"slope_per_hour"`
	SlopeLow  float64   `json:"slope_low_per_hour"`
	SlopeHigh float64   `json:"slope_high_per_hour"`
	// Spread is the robust spread of the values around the trend.
	Spread float64 `json:"spread"`
	// ExhaustAt is when the trend reaches the limit; Earliest and Latest
	// bound it (the steeper slope and the upper edge of the values; the
	// shallower slope).
	ExhaustAt time.Time `json:"exhaust_time"`
	Earliest  time.Time `json:"earliest_time"`
	Latest    time.Time `json:"latest_time,omitzero"`
	// Window is how much history the trend was fitted on; Horizon how far
	// ahead tend warns for this kind of resource.
	WindowSeconds  float64 `json:"window_seconds"`
	HorizonSeconds float64 `json:"horizon_seconds"`
}

// Point is one sample of a series excerpt with its anomaly score.
type Point struct {
	T time.Time `json:"t"`
	V float64   `json:"v"`
	S float64   `json:"s"`
}

// Anomalies stores anomalies. Every anomaly belongs to an insight.
type Anomalies interface {
	// Create stores a new anomaly; ErrConflict if the ID exists.
	Create(ctx context.Context, a Anomaly) error
	// Update replaces an anomaly's mutable fields (status, end, peak,
	// reason, excerpt, insight); ErrNotFound if none.
	Update(ctx context.Context, a Anomaly) error
	// Upsert stores several anomalies in one transaction: new ones are
	// created, existing ones get their mutable fields replaced (as Update).
	Upsert(ctx context.Context, list []Anomaly) error
	// Get returns the anomaly; ErrNotFound if none.
	Get(ctx context.Context, id string) (Anomaly, error)
	// ListByInsight returns an insight's anomalies, oldest first.
	ListByInsight(ctx context.Context, insightID string) ([]Anomaly, error)
	// ListOpen returns the OPEN anomalies tracked by owner, oldest first.
	ListOpen(ctx context.Context, owner string) ([]Anomaly, error)
}

// anomalyJSON is Anomaly's JSON form: the period in seconds, as people and
// CloudWatch write it.
type anomalyJSON struct {
	anomalyAlias
	PeriodSeconds float64 `json:"period_seconds,omitempty"`
}

type anomalyAlias Anomaly

// MarshalJSON writes the period as period_seconds.
func (a Anomaly) MarshalJSON() ([]byte, error) {
	return json.Marshal(anomalyJSON{anomalyAlias(a), a.Period.Seconds()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (a *Anomaly) UnmarshalJSON(b []byte) error {
	var j anomalyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*a = Anomaly(j.anomalyAlias)
	a.Period = time.Duration(j.PeriodSeconds * float64(time.Second))
	return nil
}
