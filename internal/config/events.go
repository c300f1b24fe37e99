package config

import (
	"fmt"
	"time"
)

// Events configures change events (docs/insights.md, "Related events").
type Events struct {
	// How long before an insight's start an event may be to be related.
	Lookback time.Duration `yaml:"lookback"`
	// The secret GitHub signs webhook deliveries with (X-Hub-Signature-256).
	// Without it POST /v1/webhooks/github refuses every delivery. Secret:
	// prefer github_secret_file.
	GitHubSecret Secret `yaml:"github_secret"`
	// A file whose content is github_secret.
	GitHubSecretFile string `yaml:"github_secret_file"`
}

func defaultEvents() Events { return Events{Lookback: 3 * time.Hour} }

func (c Events) validate() []FieldError {
	if c.Lookback < time.Minute || c.Lookback > 7*24*time.Hour {
		return []FieldError{{Key: "events.lookback", Reason: fmt.Sprintf("must be a duration from 1m to 168h such as 3h (got %s)", c.Lookback)}}
	}
	return nil
}
