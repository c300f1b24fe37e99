// Package notifytest is a counting webhook receiver for tests: it checks
// each request's signature, records every message by MessageId (how often
// it arrived, in what order per insight), and can be taken down to answer
// 503 with a Retry-After.
package notifytest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/tendhq/tend/internal/notify/message"
	"github.com/tendhq/tend/internal/notify/webhook"
)

// Receiver is a webhook receiver. Its methods are safe for concurrent use.
type Receiver struct {
	*httptest.Server
	Secret []byte

	mu         sync.Mutex
	down       bool
	retryAfter int
	requests   int
	refused    int
	badSig     int
	keys       map[string]int
	count      map[string]int
	order      map[string][]string // subject → message ids in arrival order (first arrivals)
	arrived    map[string]time.Time
	all        []message.Message
	notify     chan struct{}
}

// NewReceiver starts a receiver that checks signatures made with secret
// (none when empty).
func NewReceiver(secret string) *Receiver {
	r := &Receiver{Secret: []byte(secret), keys: map[string]int{}, count: map[string]int{}, order: map[string][]string{},
		arrived: map[string]time.Time{}, notify: make(chan struct{}, 1)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if r.down {
		r.refused++
		if r.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(r.retryAfter))
		}
		http.Error(w, "receiver down", http.StatusServiceUnavailable)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(r.Secret) > 0 && !webhook.Verify(r.Secret, body, req.Header.Get("X-Tend-Signature")) {
		r.badSig++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var b webhook.Body
	if err := json.Unmarshal(body, &b); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.keys[req.Header.Get("X-Tend-Idempotency-Key")]++
	now := time.Now()
	for _, m := range b.Messages {
		if r.count[m.MessageId] == 0 {
			s := m.InsightId
			if s == "" && m.Run != nil {
				s = m.Run.RunId
			}
			r.order[s] = append(r.order[s], m.MessageId)
			r.arrived[m.MessageId] = now
		}
		r.count[m.MessageId]++
		r.all = append(r.all, m)
	}
	select {
	case r.notify <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusNoContent)
}

// SetDown makes the receiver refuse (503, with Retry-After seconds when
// retryAfter > 0) or accept again.
func (r *Receiver) SetDown(down bool, retryAfter int) {
	r.mu.Lock()
	r.down, r.retryAfter = down, retryAfter
	r.mu.Unlock()
}

// Count returns how often a message arrived.
func (r *Receiver) Count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count[id]
}

// Distinct returns how many different messages arrived.
func (r *Receiver) Distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.count)
}

// Counts returns how often each message arrived.
func (r *Receiver) Counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.count))
	for k, v := range r.count {
		out[k] = v
	}
	return out
}

// Order returns, per insight (or run), the ids in order of first arrival.
func (r *Receiver) Order() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][]string, len(r.order))
	for k, v := range r.order {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// Messages returns every message received, redeliveries included.
func (r *Receiver) Messages() []message.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]message.Message(nil), r.all...)
}

// Arrived returns when a message first arrived.
func (r *Receiver) Arrived(id string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.arrived[id]
}

// Stats returns the requests served, refused while down, and refused for a
// bad signature.
func (r *Receiver) Stats() (requests, refused, badSignature int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests, r.refused, r.badSig
}

// Wait returns a channel that receives after a request with messages.
func (r *Receiver) Wait() <-chan struct{} { return r.notify }
