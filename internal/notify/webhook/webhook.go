// Package webhook is the generic notification channel: an HTTP POST of
// JSON, signed with the channel's secret so the receiver can check it came
// from tend, and carrying an idempotency key so it can drop a redelivery.
//
// The body is {"Channel", "Key", "Summary", "Messages": [...]}, each
// message as package notify/message defines it (DevOps Guru's fields).
// Headers: X-Tend-Signature: sha256=<hex HMAC-SHA256 of the body with the
// secret> (when a secret is set), X-Tend-Idempotency-Key and
// Idempotency-Key: the batch key (the MessageId for a single message).
// Any 2xx is success; 4xx other than 408/425/429 is permanent; Retry-After
// is honoured.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/tendhq/tend/internal/buildinfo"
	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/message"
)

// Body is what the webhook posts.
type Body struct {
	Channel  string            `json:"Channel"`
	Key      string            `json:"Key"`
	Summary  bool              `json:"Summary"`
	Messages []message.Message `json:"Messages"`
}

// Webhook posts batches to one URL.
type Webhook struct {
	url    string
	secret []byte
	client *http.Client
	now    func() time.Time
}

var _ notify.Notifier = (*Webhook)(nil)

// New returns the webhook of a spec (secrets resolved); client nil means
// http.DefaultClient.
func New(s notify.Spec, client *http.Client) *Webhook {
	if client == nil {
		client = http.DefaultClient
	}
	return &Webhook{url: s.URL, secret: []byte(s.Secret), client: client, now: time.Now}
}

// Sign returns the X-Tend-Signature value of body with secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether signature is body's with secret (constant time),
// for receivers written in Go.
func Verify(secret, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(signature))
}

// Notify posts the batch.
func (w *Webhook) Notify(ctx context.Context, b notify.Batch) error {
	body, err := json.Marshal(Body{Channel: b.Channel, Key: b.Key, Summary: b.Summary, Messages: b.Messages})
	if err != nil {
		return notify.Permanent(fmt.Errorf("encode webhook body: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return notify.Permanent(fmt.Errorf("webhook request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tend/"+buildinfo.Get().Version)
	req.Header.Set("X-Tend-Idempotency-Key", b.Key)
	req.Header.Set("Idempotency-Key", b.Key)
	if len(w.secret) > 0 {
		req.Header.Set("X-Tend-Signature", Sign(w.secret, body))
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return notify.TransportError("post webhook", err)
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return notify.HTTPError("post webhook", resp, excerpt, w.now())
	}
	return nil
}
