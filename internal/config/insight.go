package config

import (
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/detect"
)

// Insight tunes how anomalies open and close and how they are grouped
// into insights (docs/insights.md).
type Insight struct {
	// Detector score (0–1) at or above which a sample is anomalous.
	Threshold float64 `yaml:"threshold"`
	// Consecutive abnormal samples that raise an anomaly; after the first
	// alert, a value outside the band the series kept before counts too.
	ConfirmSamples int `yaml:"confirm_samples"`
	// An anomaly closes after this many consecutive normal samples …
	CloseAfterSamples int `yaml:"close_after_samples"`
	// … or after this much normal time, whichever comes first. A sample is
	// normal when its score is below the threshold and its value is back in
	// the band the series kept before the anomaly.
	CloseAfter time.Duration `yaml:"close_after"`
	// An anomaly whose score stays below the threshold this long closes
	// even if its value never returns to the old band (a new normal).
	SettleAfter time.Duration `yaml:"settle_after"`
	// An anomaly starting within this time after the end of the last
	// anomaly of an ongoing insight of its boundary joins that insight.
	GroupGap time.Duration `yaml:"group_gap"`
	// An insight closes once all its anomalies have been closed this long.
	Cooldown time.Duration `yaml:"cooldown"`
	// An open anomaly whose series stops reporting closes after this long.
	StaleAfter time.Duration `yaml:"stale_after"`
	// Samples kept before an anomaly's start in its excerpt.
	ExcerptBefore int `yaml:"excerpt_before"`
	// Samples kept during an anomaly (downsampled beyond).
	ExcerptMax int `yaml:"excerpt_max"`
	// Name of this tend process; it owns the anomalies it opens. Empty
	// means the hostname. Give each process sharing a PostgreSQL its own.
	Instance string `yaml:"instance"`
	// Proactive insights: predictions that a resource reaches its limit.
	Proactive Proactive `yaml:"proactive"`
}

// Proactive tunes proactive insights (docs/insights.md, "Proactive
// insights").
type Proactive struct {
	// Raise proactive insights at all.
	Enabled bool `yaml:"enabled"`
	// How far ahead to warn: a proactive insight opens when the predicted
	// time to the limit is within this, per kind of resource.
	HorizonMemory time.Duration `yaml:"horizon_memory"`
	HorizonDisk   time.Duration `yaml:"horizon_disk"`
	HorizonOther  time.Duration `yaml:"horizon_other"`
	// History the trend is fitted on, per kind; from 2 days on, each hour
	// of the day is compared with the same hour on other days.
	WindowMemory time.Duration `yaml:"window_memory"`
	WindowDisk   time.Duration `yaml:"window_disk"`
	WindowOther  time.Duration `yaml:"window_other"`
	// The trend's rise over the window must be at least this many times
	// the spread of the values around it.
	MinRise float64 `yaml:"min_rise"`
	// Evaluations in a row (one per 48th of the window) that must agree
	// before a proactive insight opens or closes.
	Confirm int `yaml:"confirm"`
	// A proactive insight whose series stopped reporting closes after this.
	StaleAfter time.Duration `yaml:"stale_after"`
}

func defaultInsight() Insight {
	return Insight{
		Threshold: detect.DefaultThreshold, CloseAfterSamples: 5, CloseAfter: 5 * time.Minute, SettleAfter: 30 * time.Minute, ConfirmSamples: 2,
		GroupGap: 5 * time.Minute, Cooldown: 10 * time.Minute, StaleAfter: 10 * time.Minute,
		ExcerptBefore: 30, ExcerptMax: 240,
		Proactive: Proactive{Enabled: true, HorizonMemory: 24 * time.Hour, HorizonDisk: 7 * 24 * time.Hour, HorizonOther: 24 * time.Hour,
			WindowMemory: 48 * time.Hour, WindowDisk: 96 * time.Hour, WindowOther: 48 * time.Hour, MinRise: 4, Confirm: 2, StaleAfter: time.Hour},
	}
}

func (c Insight) validate() []FieldError {
	var errs []FieldError
	bad := func(key, format string, a ...any) {
		errs = append(errs, FieldError{Key: "insight." + key, Reason: fmt.Sprintf(format, a...)})
	}
	if !(c.Threshold > 0 && c.Threshold <= 1) {
		bad("threshold", "must be a score above 0 and at most 1 (got %v)", c.Threshold)
	}
	if c.ConfirmSamples < 1 || c.ConfirmSamples > 100 {
		bad("confirm_samples", "must be from 1 to 100 (got %d)", c.ConfirmSamples)
	}
	if c.CloseAfterSamples < 1 || c.CloseAfterSamples > 10000 {
		bad("close_after_samples", "must be from 1 to 10000 (got %d)", c.CloseAfterSamples)
	}
	for key, d := range map[string]time.Duration{"close_after": c.CloseAfter, "settle_after": c.SettleAfter, "cooldown": c.Cooldown, "stale_after": c.StaleAfter} {
		if d < time.Second {
			bad(key, "must be a duration of at least 1s such as 5m (got %s)", d)
		}
	}
	if c.GroupGap < 0 {
		bad("group_gap", "must not be negative (got %s)", c.GroupGap)
	}
	if c.ExcerptBefore < 0 || c.ExcerptBefore > 1000 {
		bad("excerpt_before", "must be from 0 to 1000 (got %d)", c.ExcerptBefore)
	}
	if c.ExcerptMax < 2 || c.ExcerptMax > 10000 {
		bad("excerpt_max", "must be from 2 to 10000 (got %d)", c.ExcerptMax)
	}
	p := c.Proactive
	for key, d := range map[string]time.Duration{"horizon_memory": p.HorizonMemory, "horizon_disk": p.HorizonDisk, "horizon_other": p.HorizonOther,
		"window_memory": p.WindowMemory, "window_disk": p.WindowDisk, "window_other": p.WindowOther, "stale_after": p.StaleAfter} {
		if d < time.Second {
			bad("proactive."+key, "must be a duration of at least 1s such as 24h (got %s)", d)
		}
	}
	if !(p.MinRise > 0 && p.MinRise <= 1000) {
		bad("proactive.min_rise", "must be a number above 0 and at most 1000 (got %v)", p.MinRise)
	}
	if p.Confirm < 1 || p.Confirm > 48 {
		bad("proactive.confirm", "must be from 1 to 48 (got %d)", p.Confirm)
	}
	return errs
}
