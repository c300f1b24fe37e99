package api

import (
	"context"
	"errors"
	"github.com/tendhq/tend/internal/access"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/events"
	"github.com/tendhq/tend/internal/store"
)

// EventsOptions configure the event endpoints.
type EventsOptions struct {
	Now func() time.Time
	// GitHubSecret is the webhook secret GitHub signs deliveries with
	// (events.github_secret); without it the GitHub endpoint refuses all.
	GitHubSecret string
	// Associate, when set, is given the events before they are stored and
	// returns them carrying the messages to write with them (the
	// NEW_ASSOCIATION of each ongoing insight they relate to:
	// insight.Associate).
	Associate func(context.Context, []store.Event) ([]store.Event, error)
}

// EventsReceipt answers an intake: the stored events and which of them
// were re-deliveries of events already stored.
type EventsReceipt struct {
	Accepted   int           `json:"accepted"`
	Duplicates int           `json:"duplicates"`
	Events     []EventResult `json:"events"`
}

// EventResult is one event of a receipt.
type EventResult struct {
	ID        string `json:"id"`
	Class     string `json:"event_class"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

// RegisterEvents serves the change-event endpoints:
//
//	POST /v1/events               tend's JSON (API key)
//	POST /v1/events/cloudtrail    CloudTrail records via EventBridge (API key)
//	POST /v1/events/kubernetes    Kubernetes Events (API key)
//	POST /v1/webhooks/github      GitHub deployment, deployment_status (signature)
//	POST /api/annotations         Grafana's annotation API (API key as Bearer)
//	GET  /v1/events               list, newest first, filtered and paged
//	GET  /v1/events/{id}          one event
//
// Every intake stores the events (one transaction, synced) before it
// answers 202.
func RegisterEvents(a *API, s store.Store, o EventsOptions) {
	if o.Now == nil {
		o.Now = time.Now
	}
	h := eventHandlers{st: s.Events(), o: o}
	a.Write("POST /v1/events", h.intake(events.ParseNative))
	a.Write("POST /v1/events/cloudtrail", h.intake(events.ParseCloudTrail))
	a.Write("POST /v1/events/kubernetes", h.intake(events.ParseKubernetes))
	a.Write("POST /api/annotations", h.grafana)
	// GitHub cannot send an API key: the delivery's HMAC signature under
	// the webhook secret is its credential.
	a.Handle("POST /v1/webhooks/github", access.Signed, h.github)
	a.Read("GET /v1/events", h.list)
	a.Read("GET /v1/events/{id}", h.get)
}

type eventHandlers struct {
	st store.Events
	o  EventsOptions
}

func eventError(err error) error {
	var fe *events.FieldError
	if errors.As(err, &fe) {
		return BadRequest(fe.Field, "%s", fe.Reason)
	}
	return err
}

func (h eventHandlers) store(w http.ResponseWriter, r *http.Request, evs []store.Event) (EventsReceipt, bool) {
	rc := EventsReceipt{Events: []EventResult{}}
	if len(evs) == 0 {
		return rc, true
	}
	if err := stampEventAccounts(r, evs); err != nil {
		WriteError(w, r, err)
		return rc, false
	}
	if h.o.Associate != nil {
		var err error
		if evs, err = h.o.Associate(r.Context(), evs); err != nil {
			WriteError(w, r, err)
			return rc, false
		}
	}
	stored, dup, err := h.st.Add(r.Context(), evs)
	if err != nil {
		WriteError(w, r, err)
		return rc, false
	}
	for i, ev := range stored {
		rc.Events = append(rc.Events, EventResult{ID: ev.ID, Class: ev.Class, Duplicate: dup[i]})
		if dup[i] {
			rc.Duplicates++
		} else {
			rc.Accepted++
		}
	}
	return rc, true
}

func (h eventHandlers) intake(parse func([]byte, events.Scope, time.Time) ([]store.Event, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
			WriteError(w, r, &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send application/json (got " + ct + ")"})
			return
		}
		scope, err := events.ScopeFromQuery(r.URL.Query())
		if err != nil {
			WriteError(w, r, eventError(err))
			return
		}
		body, err := ReadJSONBody(r)
		if err != nil {
			WriteError(w, r, err)
			return
		}
		evs, err := parse(body, scope, h.o.Now())
		if err != nil {
			WriteError(w, r, eventError(err))
			return
		}
		if rc, ok := h.store(w, r, evs); ok {
			WriteJSON(w, http.StatusAccepted, rc)
		}
	}
}

func (h eventHandlers) grafana(w http.ResponseWriter, r *http.Request) {
	body, err := ReadJSONBody(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	evs, err := events.ParseGrafana(body, events.Scope{}, h.o.Now())
	if err != nil {
		WriteError(w, r, eventError(err))
		return
	}
	rc, ok := h.store(w, r, evs)
	if !ok {
		return
	}
	// Grafana's own answer, so tools that read it keep working.
	WriteJSON(w, http.StatusOK, map[string]any{"message": "Annotation added", "id": rc.Events[0].ID})
}

func (h eventHandlers) github(w http.ResponseWriter, r *http.Request) {
	body, err := ReadBody(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if err := events.VerifyGitHub(h.o.GitHubSecret, r.Header.Get("X-Hub-Signature-256"), body); err != nil {
		WriteError(w, r, &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Field: "X-Hub-Signature-256", Message: err.Error()})
		return
	}
	if err := checkUTF8(body); err != nil {
		WriteError(w, r, err)
		return
	}
	scope, err := events.ScopeFromQuery(r.URL.Query())
	if err != nil {
		WriteError(w, r, eventError(err))
		return
	}
	kind := r.Header.Get("X-GitHub-Event")
	evs, err := events.ParseGitHub(kind, r.Header.Get("X-GitHub-Delivery"), body, scope, h.o.Now())
	if err != nil {
		WriteError(w, r, eventError(err))
		return
	}
	if rc, ok := h.store(w, r, evs); ok {
		WriteJSON(w, http.StatusAccepted, rc)
	}
}

var eventQueryKeys = map[string]bool{"source": true, "class": true, "resource": true, "stack": true, "app": true, "namespace": true,
	"account": true, "from": true, "to": true, "since": true, "limit": true, "cursor": true}

// EventFilterFromQuery reads the filters of GET /v1/events. Without from
// (or since) the range is the 180 days before to (default now).
func EventFilterFromQuery(q url.Values, now time.Time) (store.EventFilter, error) {
	var f store.EventFilter
	for k, v := range q {
		if !eventQueryKeys[k] {
			return f, BadRequest(k, "unknown filter; use source, class, resource, stack, app, namespace, account, from, to, since, limit or cursor")
		}
		if len(v) > 1 {
			return f, BadRequest(k, "given %d times; give it once (lists are comma-separated)", len(v))
		}
		if len(v[0]) > 512 {
			return f, BadRequest(k, "is longer than 512 characters")
		}
	}
	list := func(k string) []string {
		var out []string
		for _, v := range strings.Split(q.Get(k), ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	f.Sources = list("source")
	for _, c := range list("class") {
		c = strings.ToUpper(c)
		switch c {
		case store.EventDeployment, store.EventConfigChange, store.EventInfrastructure, store.EventSchemaChange, store.EventSecurityChange:
			f.Classes = append(f.Classes, c)
		default:
			return f, BadRequest("class", "%q is not one of deployment, config_change, infrastructure, schema_change, security_change", c)
		}
	}
	f.Resource, f.Stack, f.App, f.Namespace, f.Account = q.Get("resource"), q.Get("stack"), q.Get("app"), q.Get("namespace"), q.Get("account")
	// The time range reads exactly as GET /v1/insights'.
	iq := url.Values{}
	for _, k := range []string{"from", "to", "since"} {
		if v := q.Get(k); v != "" {
			iq.Set(k, v)
		}
	}
	rf, err := InsightFilterFromQuery(iq, now)
	if err != nil {
		return f, err
	}
	f.From, f.To = rf.From, rf.To
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 1000 {
			return f, BadRequest("limit", "must be a whole number from 1 to 1000 (got %q)", raw)
		}
		f.Limit = n
	}
	f.Cursor = q.Get("cursor")
	return f, nil
}

func (h eventHandlers) list(w http.ResponseWriter, r *http.Request) {
	f, err := EventFilterFromQuery(r.URL.Query(), h.o.Now())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	page, err := listVisibleEvents(r, h.st, f)
	if errors.Is(err, store.ErrInvalidCursor) {
		WriteError(w, r, BadRequest("cursor", "is not a cursor this server issued: pass the \"next\" value of the previous page unchanged"))
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, page)
}

func (h eventHandlers) get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ev, err := h.st.Get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !Principal(r).SeesAccount(ev.Account)) {
		WriteError(w, r, NotFound("no event %q", id))
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, ev)
}
