package notify

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/store"
)

// Channel types.
const (
	TypeWebhook      = "webhook"
	TypeSlack        = "slack"
	TypeAlertmanager = "alertmanager"
	TypeSNS          = "sns"
	TypePagerDuty    = "pagerduty"
	TypeEmail        = "email"
)

// Types lists the channel types.
var Types = []string{TypeWebhook, TypeSlack, TypeAlertmanager, TypeSNS, TypePagerDuty, TypeEmail}

// Spec is one channel's configuration, as the configuration file
// (notify.channels), the API (POST /v1/channels) and the store hold it.
// A secret can be given inline or, better, as a file that holds it
// (url_file, secret_file, routing_key_file, password_file): the file is
// read when the channel is built, and the secret is never logged or shown.
type Spec struct {
	// Name identifies the channel (letters, digits, - and _).
	Name string `json:"name" yaml:"name"`
	// Type is webhook, slack, alertmanager, sns, pagerduty or email.
	Type string `json:"type" yaml:"type"`

	// URL: the webhook's endpoint; Slack's incoming-webhook URL (a
	// secret); Alertmanager's base URL (http://alertmanager:9093);
	// PagerDuty's Events API base (default https://events.pagerduty.com).
	URL     string `json:"url,omitempty" yaml:"url"`
	URLFile string `json:"url_file,omitempty" yaml:"url_file"`
	// Secret signs webhook bodies (X-Tend-Signature: sha256=HMAC).
	Secret     string `json:"secret,omitempty" yaml:"secret"`
	SecretFile string `json:"secret_file,omitempty" yaml:"secret_file"`

	// TopicARN is the SNS topic; Region and EndpointURL its region and an
	// endpoint other than AWS's (LocalStack, a test double).
	TopicARN    string `json:"topic_arn,omitempty" yaml:"topic_arn"`
	Region      string `json:"region,omitempty" yaml:"region"`
	EndpointURL string `json:"endpoint_url,omitempty" yaml:"endpoint_url"`

	// RoutingKey is the PagerDuty integration key (Events API v2).
	RoutingKey     string `json:"routing_key,omitempty" yaml:"routing_key"`
	RoutingKeyFile string `json:"routing_key_file,omitempty" yaml:"routing_key_file"`

	// SMTP is the mail server, host:port (587 for STARTTLS); From and To
	// the addresses; Username and Password authenticate (PLAIN, only over
	// TLS). StartTLS is "required" (default: refuse a server without it)
	// or "none" (a local relay). TLSCAFile trusts a private CA.
	SMTP         string   `json:"smtp,omitempty" yaml:"smtp"`
	From         string   `json:"from,omitempty" yaml:"from"`
	To           []string `json:"to,omitempty" yaml:"to"`
	Username     string   `json:"username,omitempty" yaml:"username"`
	Password     string   `json:"password,omitempty" yaml:"password"`
	PasswordFile string   `json:"password_file,omitempty" yaml:"password_file"`
	StartTLS     string   `json:"starttls,omitempty" yaml:"starttls"`
	TLSCAFile    string   `json:"tls_ca_file,omitempty" yaml:"tls_ca_file"`

	// Filter chooses the messages the channel gets (empty: all).
	Filter Filter `json:"filter,omitzero" yaml:"filter"`
	// GroupWait: messages of one insight within this time after the first
	// go out as one send (default 10s; 0s sends at once).
	GroupWait *Duration `json:"group_wait,omitempty" yaml:"group_wait"`
	// RateLimit caps the sends per RateWindow (default 1m); 0: no limit.
	// What the limit holds back goes out as one summary when it allows.
	RateLimit  int       `json:"rate_limit,omitempty" yaml:"rate_limit"`
	RateWindow *Duration `json:"rate_window,omitempty" yaml:"rate_window"`
	// Timeout bounds one send (default 10s).
	Timeout *Duration `json:"timeout,omitempty" yaml:"timeout"`
}

// Filter selects messages; each list that is not empty must match.
type Filter struct {
	// Severities: low, medium, high.
	Severities []string `json:"severities,omitempty" yaml:"severities"`
	// MessageTypes: NEW_INSIGHT, CLOSED_INSIGHT, NEW_ASSOCIATION,
	// SEVERITY_UPGRADED, NEW_RECOMMENDATION, RUN_AWAITING_APPROVAL,
	// RUN_ACTED, RUN_FAILED, RUN_ROLLED_BACK.
	MessageTypes []string `json:"message_types,omitempty" yaml:"message_types"`
	// Boundaries: kind:name (stack:shop, app:checkout, namespace:prod/shop)
	// or a bare name of any kind.
	Boundaries []string `json:"boundaries,omitempty" yaml:"boundaries"`
	// ProblemTypes: CPU_SATURATION, MEMORY_SATURATION, …
	ProblemTypes []string `json:"problem_types,omitempty" yaml:"problem_types"`
}

// IsZero reports whether the filter takes everything.
func (f Filter) IsZero() bool {
	return len(f.Severities) == 0 && len(f.MessageTypes) == 0 && len(f.Boundaries) == 0 && len(f.ProblemTypes) == 0
}

// Accepts reports whether the filter takes a message.
func (f Filter) Accepts(n store.Notification) bool {
	fold := func(list []string, v string) bool {
		return len(list) == 0 || slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) })
	}
	if !fold(f.Severities, n.Severity) || !fold(f.MessageTypes, n.Type) || !fold(f.ProblemTypes, n.ProblemType) {
		return false
	}
	if len(f.Boundaries) > 0 {
		ok := false
		for _, b := range f.Boundaries {
			kind, name, has := strings.Cut(b, ":")
			if !has {
				name, kind = kind, ""
			}
			if (kind == "" || kind == n.BoundaryKind) && name == n.BoundaryName {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Duration is a time.Duration written as "10s" in JSON and YAML.
type Duration struct{ time.Duration }

// Dur returns a *Duration.
func Dur(d time.Duration) *Duration { return &Duration{d} }

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"10s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration (use e.g. 10s, 5m)", s)
	}
	d.Duration = v
	return nil
}

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (use e.g. 10s, 5m)", b)
	}
	d.Duration = v
	return nil
}

func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Duration) or(def time.Duration) time.Duration {
	if d == nil {
		return def
	}
	return d.Duration
}

// Defaults.
const (
	DefaultGroupWait  = 10 * time.Second
	DefaultRateWindow = time.Minute
	DefaultTimeout    = 10 * time.Second
)

// GroupWaitOr, RateWindowOr and TimeoutOr return the settings with defaults.
func (s Spec) GroupWaitOr() time.Duration  { return s.GroupWait.or(DefaultGroupWait) }
func (s Spec) RateWindowOr() time.Duration { return s.RateWindow.or(DefaultRateWindow) }
func (s Spec) TimeoutOr() time.Duration    { return s.Timeout.or(DefaultTimeout) }

// FieldError is one invalid setting: the field and why.
type FieldError struct {
	Field  string
	Reason string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Reason }

var nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`)

// Validate checks the spec and returns one error per problem; it reads no
// files.
func (s Spec) Validate() []FieldError {
	var errs []FieldError
	bad := func(field, format string, a ...any) {
		errs = append(errs, FieldError{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	if !nameRe.MatchString(s.Name) {
		bad("name", "must be 1–63 letters, digits, - or _, starting with a letter or digit (got %q)", s.Name)
	}
	both := func(field, v, file string) {
		if v != "" && file != "" {
			bad(field, "set %s or %s_file, not both", field, field)
		}
	}
	both("url", s.URL, s.URLFile)
	both("secret", s.Secret, s.SecretFile)
	both("routing_key", s.RoutingKey, s.RoutingKeyFile)
	both("password", s.Password, s.PasswordFile)
	checkURL := func(required bool) {
		if s.URL == "" {
			if required && s.URLFile == "" {
				bad("url", "is required for a %s channel (or url_file)", s.Type)
			}
			return
		}
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("url", "must be an http:// or https:// URL")
		}
	}
	switch s.Type {
	case TypeWebhook:
		checkURL(true)
	case TypeSlack:
		checkURL(true)
	case TypeAlertmanager:
		checkURL(true)
	case TypePagerDuty:
		checkURL(false)
		if s.RoutingKey == "" && s.RoutingKeyFile == "" {
			bad("routing_key", "is required for a pagerduty channel (or routing_key_file)")
		}
	case TypeSNS:
		if !strings.HasPrefix(s.TopicARN, "arn:") || strings.Count(s.TopicARN, ":") != 5 {
			bad("topic_arn", "must be an SNS topic ARN, arn:aws:sns:REGION:ACCOUNT:NAME (got %q)", s.TopicARN)
		}
		if s.EndpointURL != "" && !strings.HasPrefix(s.EndpointURL, "http://") && !strings.HasPrefix(s.EndpointURL, "https://") {
			bad("endpoint_url", "must be an http:// or https:// URL")
		}
	case TypeEmail:
		if host, port, ok := strings.Cut(s.SMTP, ":"); !ok || host == "" || port == "" {
			bad("smtp", "must be host:port, e.g. mail.example.com:587 (got %q)", s.SMTP)
		}
		if _, err := mail.ParseAddress(s.From); err != nil {
			bad("from", "must be an email address (got %q)", s.From)
		}
		if len(s.To) == 0 {
			bad("to", "needs at least one address")
		}
		for i, to := range s.To {
			if _, err := mail.ParseAddress(to); err != nil {
				bad(fmt.Sprintf("to[%d]", i), "must be an email address (got %q)", to)
			}
		}
		switch s.StartTLS {
		case "", "required", "none":
		default:
			bad("starttls", "must be required or none (got %q)", s.StartTLS)
		}
		if (s.Password != "" || s.PasswordFile != "") && s.Username == "" {
			bad("username", "is required with a password")
		}
	default:
		bad("type", "must be one of %s (got %q)", strings.Join(Types, ", "), s.Type)
	}
	for i, v := range s.Filter.Severities {
		switch strings.ToUpper(v) {
		case store.SeverityLow, store.SeverityMedium, store.SeverityHigh:
		default:
			bad(fmt.Sprintf("filter.severities[%d]", i), "must be low, medium or high (got %q)", v)
		}
	}
	for i, v := range s.Filter.MessageTypes {
		if !slices.Contains(message.Types, strings.ToUpper(v)) {
			bad(fmt.Sprintf("filter.message_types[%d]", i), "must be one of %s (got %q)", strings.Join(message.Types, ", "), v)
		}
	}
	for i, v := range s.Filter.Boundaries {
		kind, name, has := strings.Cut(v, ":")
		if has && (name == "" || !slices.Contains([]string{"stack", "app", "namespace", "account"}, kind)) {
			bad(fmt.Sprintf("filter.boundaries[%d]", i), "must be stack:NAME, app:NAME, namespace:NAME, account:NAME or a bare name (got %q)", v)
		}
		if !has && kind == "" {
			bad(fmt.Sprintf("filter.boundaries[%d]", i), "is empty")
		}
	}
	if s.GroupWait != nil && (s.GroupWait.Duration < 0 || s.GroupWait.Duration > time.Hour) {
		bad("group_wait", "must be from 0s to 1h (got %s)", s.GroupWait.Duration)
	}
	if s.RateLimit < 0 {
		bad("rate_limit", "must not be negative (got %d)", s.RateLimit)
	}
	if s.RateWindow != nil && (s.RateWindow.Duration < time.Second || s.RateWindow.Duration > 24*time.Hour) {
		bad("rate_window", "must be from 1s to 24h (got %s)", s.RateWindow.Duration)
	}
	if s.Timeout != nil && (s.Timeout.Duration < 100*time.Millisecond || s.Timeout.Duration > 5*time.Minute) {
		bad("timeout", "must be from 100ms to 5m (got %s)", s.Timeout.Duration)
	}
	return errs
}

// Redacted returns the spec with its secrets replaced, for showing and
// logging: the secret fields, Slack's URL, and any password in a URL.
func (s Spec) Redacted() Spec {
	const r = "[redacted]"
	hide := func(v *string) {
		if *v != "" {
			*v = r
		}
	}
	hide(&s.Secret)
	hide(&s.RoutingKey)
	hide(&s.Password)
	if s.Type == TypeSlack {
		hide(&s.URL)
	} else if u, err := url.Parse(s.URL); err == nil && u.User != nil {
		u.User = url.User(r)
		s.URL = u.String()
	}
	s.To = slices.Clone(s.To)
	return s
}

// String is the spec as compact JSON with its secrets redacted, so that
// printing a configuration (tend config validate) never shows them.
func (s Spec) String() string {
	b, err := json.Marshal(s.Redacted())
	if err != nil {
		return s.Name + " (" + s.Type + ")"
	}
	return string(b)
}

// Resolved returns the spec with each *_file's content in its secret's
// field (surrounding whitespace trimmed).
func (s Spec) Resolved() (Spec, error) {
	read := func(field, path string, into *string) error {
		if path == "" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("channel %s: %s_file: %w", s.Name, field, err)
		}
		*into = strings.TrimSpace(string(b))
		return nil
	}
	for _, f := range []struct {
		field, path string
		into        *string
	}{{"url", s.URLFile, &s.URL}, {"secret", s.SecretFile, &s.Secret}, {"routing_key", s.RoutingKeyFile, &s.RoutingKey}, {"password", s.PasswordFile, &s.Password}} {
		if err := read(f.field, f.path, f.into); err != nil {
			return s, err
		}
	}
	return s, nil
}

// Record is the spec as a store.Channel.
func (s Spec) Record(source string, now time.Time) (store.Channel, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return store.Channel{}, fmt.Errorf("encode channel %s: %w", s.Name, err)
	}
	return store.Channel{Name: s.Name, Type: s.Type, Spec: b, Source: source, RateLimit: s.RateLimit, RateWindow: s.RateWindowOr(),
		CreatedAt: now.UTC(), UpdatedAt: now.UTC()}, nil
}

// SpecOf decodes a stored channel's spec.
func SpecOf(c store.Channel) (Spec, error) {
	var s Spec
	if err := json.Unmarshal(c.Spec, &s); err != nil {
		return s, fmt.Errorf("decode channel %s: %w", c.Name, err)
	}
	return s, nil
}
