// Package notify is the last stage of tend's pipeline: it delivers the
// messages the insight and remediation engines write into the outbox
// (store.Outbox, in the same transaction as the change that causes each)
// to the channels teams already use — a signed webhook, Slack, Prometheus
// Alertmanager, Amazon SNS, PagerDuty, email — at least once.
//
// The Dispatcher fans each message out to the channels whose filters take
// it, groups a channel's messages about one insight that arrive within
// its group wait into one send, applies the channel's rate limit (what it
// holds back goes out as one summary), retries failures with exponential
// backoff and jitter honouring Retry-After, and dead-letters a delivery
// after MaxAttempts. Deliveries are leased, so several tend processes on
// one PostgreSQL send each message once; a receiver that dedupes on
// MessageId never sees a duplicate effect.
package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/notify/message"
)

// Notifier delivers messages to one channel. Implementations live in the
// sub-packages (webhook, slack, alertmanager, sns, pagerduty, email), each
// with an interface guard.
//
// The contract:
//  1. Notify sends the whole batch, or fails as a whole: nil means the
//     receiver accepted every message in it.
//  2. It may be called again with the same batch (a retry, or another
//     process after a lease ran out): pass Batch.Key or each MessageId to
//     receivers that can dedupe.
//  3. A failure that retrying cannot fix (the receiver rejected the
//     request as invalid) is a *Error with Permanent set; one that says
//     when to come back carries RetryAfter. Any other error is retried.
//  4. It honours ctx's deadline and never logs secrets.
type Notifier interface {
	Notify(ctx context.Context, b Batch) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, b Batch) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, b Batch) error { return f(ctx, b) }

// Batch is what one send carries.
type Batch struct {
	// Channel is the channel's name.
	Channel string
	// Messages are in order: those of one subject (an insight or a run)
	// that arrived within the channel's group wait — or, when Summary,
	// every message that was due while the rate limit held them back, of
	// several subjects, each subject's in order.
	Messages []message.Message
	Summary  bool
	// Key is the same for every send of the same messages: an idempotency
	// key for receivers.
	Key string
}

// BatchKey is the idempotency key of a list of messages: the MessageId of
// a single one, else a hash of them all.
func BatchKey(msgs []message.Message) string {
	if len(msgs) == 1 {
		return msgs[0].MessageId
	}
	h := sha256.New()
	for _, m := range msgs {
		h.Write([]byte(m.MessageId))
		h.Write([]byte{0})
	}
	return "batch-" + hex.EncodeToString(h.Sum(nil)[:12])
}

// Subjects counts the distinct insights and runs of a batch.
func (b Batch) Subjects() int {
	seen := map[string]bool{}
	for _, m := range b.Messages {
		seen[subjectOf(m)] = true
	}
	return len(seen)
}

func subjectOf(m message.Message) string {
	if m.InsightId != "" {
		return m.InsightId
	}
	if m.Run != nil {
		return m.Run.RunId
	}
	return m.MessageId
}

// Latest returns, per subject, the last message of the batch in the
// order subjects first appear: what a channel that keeps state (an alert,
// an incident) needs to send.
func (b Batch) Latest() []message.Message {
	idx := map[string]int{}
	var out []message.Message
	for _, m := range b.Messages {
		s := subjectOf(m)
		if i, ok := idx[s]; ok {
			// Keep the latest state, but remember every anomaly seen.
			m = mergeAnomalies(out[i], m)
			out[i] = m
			continue
		}
		idx[s] = len(out)
		out = append(out, m)
	}
	return out
}

func mergeAnomalies(prev, next message.Message) message.Message {
	seen := map[string]bool{}
	for _, a := range next.Anomalies {
		seen[a.Id] = true
	}
	for _, a := range prev.Anomalies {
		if !seen[a.Id] {
			next.Anomalies = append(next.Anomalies, a)
		}
	}
	return next
}

// Error is a delivery failure that says how to go on.
type Error struct {
	Err error
	// Permanent: retrying cannot help (the delivery is dead-lettered).
	Permanent bool
	// RetryAfter is how long the receiver asked to wait (0: unknown).
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Permanent wraps err as a failure retrying cannot fix.
func Permanent(err error) error { return &Error{Err: err, Permanent: true} }

// HTTPError turns an HTTP response that is not a success into an error:
// 4xx other than 408, 425 and 429 are permanent; 429 and 503 honour
// Retry-After; body is a short excerpt of what the receiver said.
func HTTPError(what string, resp *http.Response, body []byte, now time.Time) error {
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	err := fmt.Errorf("%s: %s", what, resp.Status)
	if msg != "" {
		err = fmt.Errorf("%s: %s: %s", what, resp.Status, msg)
	}
	e := &Error{Err: err, RetryAfter: RetryAfter(resp.Header.Get("Retry-After"), now)}
	switch c := resp.StatusCode; {
	case c == http.StatusRequestTimeout, c == http.StatusTooEarly, c == http.StatusTooManyRequests:
	case c >= 400 && c < 500:
		e.Permanent = true
	}
	return e
}

// RetryAfter parses a Retry-After header: seconds or an HTTP date; a day
// at most.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(min(n, 24*3600)) * time.Second // a day at most (and no overflow)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), 24*time.Hour)
	}
	return 0
}

// classify returns whether err is permanent and the wait it asks for.
func classify(err error) (permanent bool, wait time.Duration) {
	var e *Error
	if errors.As(err, &e) {
		return e.Permanent, e.RetryAfter
	}
	return false, 0
}

// TransportError wraps a failed HTTP round trip without the request's URL,
// which may hold a secret (Slack's webhook URL, a token in a query).
func TransportError(what string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %s %s: %w", what, ue.Op, redactURL(ue.URL), ue.Err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[url]"
	}
	return u.Scheme + "://" + u.Host + "/…"
}
