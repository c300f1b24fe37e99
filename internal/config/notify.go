package config

import (
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/notify"
)

// Notify configures notifications (docs/notifications.md): the channels
// messages go to, and how the outbox delivers them.
type Notify struct {
	// The channels, each with a name, a type (webhook, slack,
	// alertmanager, sns, pagerduty, email), its settings and a filter;
	// see docs/notifications.md. Channels added with the API or `tend
	// channels add` live in the store beside these. In the environment:
	// a JSON list.
	Channels []notify.Spec `yaml:"channels"`
	// A delivery is dead-lettered after this many failed sends (retry it
	// with `tend channels retry`).
	MaxAttempts int `yaml:"max_attempts"`
	// Wait before the first retry; it doubles per attempt, with jitter,
	// up to max_backoff. A receiver's Retry-After is honoured.
	MinBackoff time.Duration `yaml:"min_backoff"`
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// How long a claimed batch is this process's; another tend on the same
	// PostgreSQL sends it if this one dies.
	Lease time.Duration `yaml:"lease"`
	// How often to look for due messages when nothing signalled new ones
	// (messages of other processes, retries).
	PollInterval time.Duration `yaml:"poll_interval"`
	// How long delivered messages are kept.
	Retention time.Duration `yaml:"retention"`
	// Sends in flight at once.
	Concurrency int `yaml:"concurrency"`
}

func defaultNotify() Notify {
	return Notify{MaxAttempts: 25, MinBackoff: time.Second, MaxBackoff: 10 * time.Minute, Lease: 30 * time.Second,
		PollInterval: time.Second, Retention: 7 * 24 * time.Hour, Concurrency: 32}
}

func (n Notify) validate() []FieldError {
	var errs []FieldError
	bad := func(key, format string, a ...any) {
		errs = append(errs, FieldError{Key: key, Reason: fmt.Sprintf(format, a...)})
	}
	seen := map[string]int{}
	for i, s := range n.Channels {
		key := fmt.Sprintf("notify.channels[%d]", i)
		for _, fe := range s.Validate() {
			bad(key+"."+fe.Field, "%s", fe.Reason)
		}
		if j, dup := seen[s.Name]; dup && s.Name != "" {
			bad(key+".name", "%q is also the name of notify.channels[%d]", s.Name, j)
		}
		seen[s.Name] = i
	}
	if n.MaxAttempts < 1 || n.MaxAttempts > 1000 {
		bad("notify.max_attempts", "must be from 1 to 1000 (got %d)", n.MaxAttempts)
	}
	if n.MinBackoff <= 0 || n.MaxBackoff < n.MinBackoff {
		bad("notify.max_backoff", "min_backoff must be positive and max_backoff at least min_backoff (got %s and %s)", n.MinBackoff, n.MaxBackoff)
	}
	for key, d := range map[string]time.Duration{"notify.lease": n.Lease, "notify.poll_interval": n.PollInterval, "notify.retention": n.Retention} {
		if d <= 0 {
			bad(key, "must be a positive duration (got %s)", d)
		}
	}
	if n.Concurrency < 1 || n.Concurrency > 256 {
		bad("notify.concurrency", "must be from 1 to 256 (got %d)", n.Concurrency)
	}
	return errs
}
