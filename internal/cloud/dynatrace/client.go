// Package dynatrace is a client for the Dynatrace Environment API v2, the
// monitoring side of tend's self-healing loop: it reads a problem's details
// (event type, impact, affected and root-cause entities), an entity's
// properties (the AWS instance behind a host) and tags, and posts comments
// back on the problem. It implements remediate.Monitor.
//
// Every call carries "Authorization: Api-Token …", has a timeout, and is
// retried with exponential backoff and full jitter on 429 and 5xx, honouring
// Retry-After, a bounded number of times. The token is never logged.
package dynatrace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/remediate"
)

var _ remediate.Monitor = (*Client)(nil)

// ErrNotFound: the problem or entity does not exist (HTTP 404).
var ErrNotFound = errors.New("not found")

// Defaults applied by New to zero Config fields.
const (
	DefaultTimeout        = 10 * time.Second
	DefaultMaxRetries     = 3
	DefaultRetryBaseDelay = 250 * time.Millisecond
	DefaultRetryMaxDelay  = 10 * time.Second
	DefaultMaxRetryAfter  = 60 * time.Second
	// maxResponseBytes bounds what is read from any response.
	maxResponseBytes = 8 << 20
	// maxCommentPages bounds comment pagination.
	maxCommentPages = 100
)

// Config configures a Client.
type Config struct {
	// BaseURL is the environment's URL: https://{env-id}.live.dynatrace.com
	// for SaaS, or https://{activegate}:9999/e/{env-id} for an environment
	// ActiveGate. A trailing /api/v2 is accepted and removed.
	BaseURL string
	// Token is an access token with the problems.read, problems.write and
	// entities.read scopes. It is sent as "Authorization: Api-Token …" and
	// never logged.
	Token string
	// Timeout bounds each HTTP attempt (default 10s).
	Timeout time.Duration
	// MaxRetries is how many times a call is retried after a 429, a 5xx or
	// a transport error (default 3; a negative value disables retries).
	MaxRetries int
	// RetryBaseDelay is the first backoff (default 250ms); each retry
	// doubles it, up to RetryMaxDelay (default 10s), with full jitter.
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// MaxRetryAfter caps how long a server's Retry-After is honoured
	// (default 60s); a longer one fails the call instead of waiting.
	MaxRetryAfter time.Duration
}

// LogValue keeps the token out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("token", redact(c.Token)),
		slog.Duration("timeout", c.Timeout),
		slog.Int("max_retries", c.MaxRetries),
	)
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// Client talks to one Dynatrace environment. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
	hc   *http.Client
	log  *slog.Logger
	// sleep waits between attempts; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// jitter returns a random duration in [0, d); tests replace it.
	jitter func(d time.Duration) time.Duration
}

// New returns a Client for cfg. httpClient may be nil (a new http.Client
// is used; timeouts come from cfg.Timeout per attempt); logger may be nil.
func New(cfg Config, httpClient *http.Client, logger *slog.Logger) (*Client, error) {
	if strings.TrimSpace(cfg.BaseURL) == "" {
		return nil, errors.New("dynatrace: base_url is required (https://{env-id}.live.dynatrace.com)")
	}
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("dynatrace: base_url %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/v2")
	u.RawQuery, u.Fragment = "", ""
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("dynatrace: token is required (an access token with problems.read, problems.write, entities.read)")
	}
	if strings.ContainsAny(cfg.Token, " \r\n\t") {
		return nil, errors.New("dynatrace: token must not contain whitespace")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.RetryBaseDelay <= 0 {
		cfg.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if cfg.RetryMaxDelay <= 0 {
		cfg.RetryMaxDelay = DefaultRetryMaxDelay
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		cfg:    cfg,
		base:   u,
		hc:     httpClient,
		log:    logger,
		sleep:  sleepCtx,
		jitter: func(d time.Duration) time.Duration { return time.Duration(rand.Int64N(int64(d) + 1)) },
	}, nil
}

// APIError is a response Dynatrace answered with a non-success status.
type APIError struct {
	// Call names the request, e.g. "GET /api/v2/problems/{id}".
	Call       string
	StatusCode int
	// Message is Dynatrace's error message, if the body carried one.
	Message string
	// RetryAfter is the server's Retry-After, if any.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("dynatrace %s: status %d", e.Call, e.StatusCode)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	switch e.StatusCode {
	case http.StatusUnauthorized:
		msg += " (check the API token)"
	case http.StatusForbidden:
		msg += " (the token lacks a scope: problems.read, problems.write, entities.read)"
	}
	return msg
}

// Unwrap maps 404 to ErrNotFound.
func (e *APIError) Unwrap() error {
	if e.StatusCode == http.StatusNotFound {
		return ErrNotFound
	}
	return nil
}

// Retryable reports whether repeating the call may succeed.
func (e *APIError) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// errorEnvelope is Dynatrace's error body.
type errorEnvelope struct {
	Error struct {
		Code                 int    `json:"code"`
		Message              string `json:"message"`
		ConstraintViolations []struct {
			Path    string `json:"path"`
			Message string `json:"message"`
		} `json:"constraintViolations"`
	} `json:"error"`
}

func errorMessage(body []byte) string {
	var env errorEnvelope
	if json.Unmarshal(body, &env) != nil || env.Error.Message == "" {
		return ""
	}
	msg := env.Error.Message
	for _, v := range env.Error.ConstraintViolations {
		msg += fmt.Sprintf("; %s: %s", v.Path, v.Message)
	}
	return msg
}

// request is one API call.
type request struct {
	method string
	// call is the templated name used in errors and logs.
	call  string
	path  string
	query url.Values
	body  any
	// beforeRetry, if set, runs before each retry; returning done=true
	// ends the call successfully (used to avoid a duplicate comment).
	beforeRetry func(ctx context.Context) (done bool, err error)
}

// do performs r with retries and returns the response body of a 2xx.
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("dynatrace %s: encode body: %w", r.call, err)
		}
	}
	u := *c.base
	u.Path = c.base.Path + r.path
	u.RawPath = c.base.EscapedPath() + escapePath(r.path)
	u.RawQuery = r.query.Encode()

	for attempt := 0; ; attempt++ {
		if attempt > 0 && r.beforeRetry != nil {
			done, err := r.beforeRetry(ctx)
			if err != nil {
				return nil, fmt.Errorf("dynatrace %s: check before retry: %w", r.call, err)
			}
			if done {
				return nil, nil
			}
		}
		body, err := c.attempt(ctx, r, u.String(), payload)
		if err == nil {
			return body, nil
		}
		if !retryable(err) || ctx.Err() != nil {
			return nil, err
		}
		wait, ok := c.retryDelay(err, attempt)
		if !ok {
			var ae *APIError
			if errors.As(err, &ae) && ae.RetryAfter > c.cfg.MaxRetryAfter {
				return nil, fmt.Errorf("%w (the server asked to retry after %v, longer than the %v tend waits)", err, ae.RetryAfter, c.cfg.MaxRetryAfter)
			}
			if attempt == 0 {
				return nil, err
			}
			return nil, fmt.Errorf("%w (gave up after %d attempts)", err, attempt+1)
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "dynatrace call failed, retrying",
			slog.String("call", r.call), slog.Int("attempt", attempt+1),
			slog.Duration("wait", wait), slog.String("error", err.Error()))
		if serr := c.sleep(ctx, wait); serr != nil {
			return nil, fmt.Errorf("%w (stopped waiting to retry: %w)", err, serr)
		}
	}
}

// escapePath escapes each segment of an API path.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func (c *Client) attempt(ctx context.Context, r request, target string, payload []byte) ([]byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, r.method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("dynatrace %s: build request: %w", r.call, err)
	}
	req.Header.Set("Authorization", "Api-Token "+c.cfg.Token)
	req.Header.Set("Accept", "application/json; charset=utf-8")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, &transportError{call: r.call, err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, &transportError{call: r.call, err: fmt.Errorf("read response: %w", err)}
	}
	if len(body) > maxResponseBytes {
		return nil, fmt.Errorf("dynatrace %s: response larger than %d bytes", r.call, maxResponseBytes)
	}
	if resp.StatusCode/100 != 2 {
		return nil, &APIError{
			Call:       r.call,
			StatusCode: resp.StatusCode,
			Message:    errorMessage(body),
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		}
	}
	return body, nil
}

// transportError is a failure to get any response; it is retryable.
type transportError struct {
	call string
	err  error
}

func (e *transportError) Error() string { return fmt.Sprintf("dynatrace %s: %v", e.call, e.err) }
func (e *transportError) Unwrap() error { return e.err }
