// Package channel builds the Notifier of every channel type from its spec:
// the one place that knows them all (webhook, slack, alertmanager, sns,
// pagerduty, email), so notify itself depends on none.
package channel

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/alertmanager"
	"github.com/tendhq/tend/internal/notify/email"
	"github.com/tendhq/tend/internal/notify/pagerduty"
	"github.com/tendhq/tend/internal/notify/slack"
	"github.com/tendhq/tend/internal/notify/sns"
	"github.com/tendhq/tend/internal/notify/webhook"
)

// Env is what channels share: an HTTP client and a logger.
type Env struct {
	// HTTP is the client of the HTTP channels (a default with no overall
	// timeout when nil: each send has the channel's timeout).
	HTTP   *http.Client
	Logger *slog.Logger
	Now    func() time.Time
	// AWS returns the AWS configuration SNS channels use (the default
	// credential chain); the spec's region and endpoint_url apply on top.
	AWS func(ctx context.Context) (awssdk.Config, error)
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
		case notify.TypeSlack:
			return slack.New(s, env.HTTP), nil
		case notify.TypeAlertmanager:
			return alertmanager.New(s, env.HTTP, env.Now), nil
		case notify.TypePagerDuty:
			return pagerduty.New(s, env.HTTP, env.Now), nil
		case notify.TypeEmail:
			return email.New(s, env.Now)
		case notify.TypeSNS:
			if env.AWS == nil {
				return nil, fmt.Errorf("channel %s: no AWS configuration for SNS", s.Name)
			}
			cfg, err := env.AWS(ctx)
			if err != nil {
				return nil, fmt.Errorf("channel %s: AWS configuration: %w", s.Name, err)
			}
			return sns.New(s, cfg), nil
		}
		return nil, fmt.Errorf("channel %s: unknown type %q", s.Name, s.Type)
	}
}

// DefaultAWS loads the SDK's default credential chain once, with region
// and profile when set (tend's aws.region and aws.profile).
func DefaultAWS(region, profile string) func(ctx context.Context) (awssdk.Config, error) {
	var once sync.Once
	var cfg awssdk.Config
	var err error
	return func(ctx context.Context) (awssdk.Config, error) {
		once.Do(func() {
			var opts []func(*awsconfig.LoadOptions) error
			if region != "" {
				opts = append(opts, awsconfig.WithRegion(region))
			}
			if profile != "" {
				opts = append(opts, awsconfig.WithSharedConfigProfile(profile))
			}
			cfg, err = awsconfig.LoadDefaultConfig(ctx, opts...)
		})
		return cfg, err
	}
}
