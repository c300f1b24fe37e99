package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/store"
)

// ChannelTester sends a test message to a channel (notify.Dispatcher).
type ChannelTester interface {
	Test(ctx context.Context, name string) error
	Reload()
}

// RegisterChannels adds the notification channel endpoints: list and show
// (no key); add, remove, test and retry dead letters (API key).
func RegisterChannels(a *API, st store.Store, d ChannelTester, now func() time.Time) {
	h := channelHandlers{st: st, d: d, now: now}
	a.Read("GET /v1/channels", h.list)
	a.Read("GET /v1/channels/{name}", h.get)
	a.Admin("POST /v1/channels", h.add)
	a.Admin("DELETE /v1/channels/{name}", h.remove)
	a.Admin("POST /v1/channels/{name}/test", h.test)
	a.Admin("POST /v1/channels/{name}/retry", h.retry)
}

type channelHandlers struct {
	st  store.Store
	d   ChannelTester
	now func() time.Time
}

// ChannelView is a channel as the API shows it: its spec with secrets
// redacted, where it came from, and how its deliveries go.
type ChannelView struct {
	Name          string      `json:"name"`
	Type          string      `json:"type"`
	Source        string      `json:"source"`
	Spec          notify.Spec `json:"spec"`
	LastSentAt    time.Time   `json:"last_sent_at,omitzero"`
	LastError     string      `json:"last_error,omitempty"`
	LastErrorAt   time.Time   `json:"last_error_at,omitzero"`
	Pending       int         `json:"pending"`
	Dead          int         `json:"dead"`
	OldestPending time.Time   `json:"oldest_pending,omitzero"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
	// Deliveries are the latest deliveries (GET /v1/channels/{name}).
	Deliveries []DeliveryView `json:"deliveries,omitempty"`
}

// DeliveryView is one message's delivery to a channel.
type DeliveryView struct {
	ID        int64     `json:"id"`
	MessageID string    `json:"message_id"`
	Type      string    `json:"message_type"`
	Subject   string    `json:"subject"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitzero"`
}

// NewChannelView converts a stored channel and its queue.
func NewChannelView(c store.Channel, q store.ChannelQueue) ChannelView {
	spec, _ := notify.SpecOf(c)
	return ChannelView{Name: c.Name, Type: c.Type, Source: c.Source, Spec: spec.Redacted(), LastSentAt: c.LastSentAt, LastError: c.LastError,
		LastErrorAt: c.LastErrorAt, Pending: q.Pending, Dead: q.Dead, OldestPending: q.OldestPending, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

func (h channelHandlers) list(w http.ResponseWriter, r *http.Request) {
	chs, err := h.st.Channels().List(r.Context())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	stats, err := h.st.Outbox().Stats(r.Context())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := []ChannelView{}
	for _, c := range chs {
		out = append(out, NewChannelView(c, stats.Channels[c.Name]))
	}
	WriteJSON(w, http.StatusOK, map[string]any{"channels": out, "undispatched": stats.Undispatched})
}

func (h channelHandlers) get(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	c, err := h.st.Channels().Get(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		WriteError(w, r, NotFound("no channel %q", name))
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	stats, err := h.st.Outbox().Stats(r.Context())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	state := r.URL.Query().Get("state")
	switch state {
	case "", store.DeliveryPending, store.DeliverySent, store.DeliveryDead:
	default:
		WriteError(w, r, BadRequest("state", "must be pending, sent or dead (got %q)", state))
		return
	}
	v := NewChannelView(c, stats.Channels[name])
	ds, err := h.st.Outbox().Deliveries(r.Context(), store.DeliveryFilter{Channel: name, State: state, Limit: 50})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	for _, d := range ds {
		v.Deliveries = append(v.Deliveries, DeliveryView{ID: d.ID, MessageID: d.Message.ID, Type: d.Message.Type, Subject: d.Message.Subject,
			State: d.State, Attempts: d.Attempts, NextAt: d.NextAt, LastError: d.LastError, CreatedAt: d.CreatedAt, SentAt: d.SentAt})
	}
	WriteJSON(w, http.StatusOK, v)
}

func (h channelHandlers) add(w http.ResponseWriter, r *http.Request) {
	var s notify.Spec
	if err := DecodeJSON(r, &s); err != nil {
		WriteError(w, r, err)
		return
	}
	if errs := s.Validate(); len(errs) > 0 {
		WriteError(w, r, BadRequest(errs[0].Field, "%s", errs[0].Reason))
		return
	}
	if old, err := h.st.Channels().Get(r.Context(), s.Name); err == nil {
		WriteError(w, r, Conflict("a channel named %q exists (from the %s); remove it first", s.Name, sourceName(old.Source)))
		return
	} else if !errors.Is(err, store.ErrNotFound) {
		WriteError(w, r, err)
		return
	}
	if _, err := s.Resolved(); err != nil {
		WriteError(w, r, BadRequest(fileField(s, err), "%v", err))
		return
	}
	rec, err := s.Record(store.ChannelFromAPI, h.now())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if err := h.st.Channels().Put(r.Context(), rec); err != nil {
		WriteError(w, r, err)
		return
	}
	if h.d != nil {
		h.d.Reload()
	}
	WriteJSON(w, http.StatusCreated, NewChannelView(rec, store.ChannelQueue{}))
}

func sourceName(s string) string {
	if s == store.ChannelFromConfig {
		return "configuration file"
	}
	return "API"
}

// fileField names the *_file setting an unreadable-file error is about.
func fileField(s notify.Spec, err error) string {
	for _, f := range []string{"url_file", "secret_file", "routing_key_file", "password_file"} {
		if strings.Contains(err.Error(), f) {
			return f
		}
	}
	return ""
}

func (h channelHandlers) remove(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	c, err := h.st.Channels().Get(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		WriteError(w, r, NotFound("no channel %q", name))
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if c.Source == store.ChannelFromConfig {
		WriteError(w, r, Conflict("channel %q is defined in the configuration file (notify.channels): remove it there", name))
		return
	}
	if err := h.st.Channels().Delete(r.Context(), name); err != nil {
		WriteError(w, r, err)
		return
	}
	if h.d != nil {
		h.d.Reload()
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h channelHandlers) test(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, err := h.st.Channels().Get(r.Context(), name); errors.Is(err, store.ErrNotFound) {
		WriteError(w, r, NotFound("no channel %q", name))
		return
	}
	if h.d == nil {
		WriteError(w, r, errors.New("no dispatcher"))
		return
	}
	if err := h.d.Test(r.Context(), name); err != nil {
		WriteError(w, r, &Error{Status: http.StatusBadGateway, Code: "channel_failed", Message: err.Error()})
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"channel": name, "ok": true})
}

func (h channelHandlers) retry(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, err := h.st.Channels().Get(r.Context(), name); errors.Is(err, store.ErrNotFound) {
		WriteError(w, r, NotFound("no channel %q", name))
		return
	}
	var ids []int64
	if raw := r.URL.Query().Get("ids"); raw != "" {
		for _, s := range strings.Split(raw, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil || id <= 0 {
				WriteError(w, r, BadRequest("ids", "must be delivery ids separated by commas (got %q)", s))
				return
			}
			ids = append(ids, id)
		}
	}
	n, err := h.st.Outbox().Retry(r.Context(), name, h.now(), ids...)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"channel": name, "retried": n})
}
