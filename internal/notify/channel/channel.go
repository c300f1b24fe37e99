// Package channel builds the Notifier of every channel type from its spec:
// the one place that knows them all (webhook, slack, alertmanager, sns,
// pagerduty, email), so notify itself depends on none.
package channel

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/webhook"
)

// Env is what channels share: an HTTP client and a logger.
type Env struct {
	// HTTP is the client of the HTTP channels (a default with no overall
	// timeout when nil: each send has the channel's timeout).
	HTTP   *http.Client
	Logger *slog.Logger
	Now    func() time.Time
}

// Builder returns a notify.Builder for every channel type.
func Builder(env Env) notify.Builder {
	if env.HTTP == nil {
		env.HTTP = &http.Client{}
	}
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	return func(ctx context.Context, s notify.Spec) (notify.Notifier, error) {
		switch s.Type {
		case notify.TypeWebhook:
			return webhook.New(s, env.HTTP), nil
		}
		return nil, fmt.Errorf("channel %s: unknown type %q", s.Name, s.Type)
	}
}
