package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/tendhq/tend/internal/ingest/webhook"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/store"
)

// RegisterProblems adds the problem intake endpoints (webhooks and tend's
// own JSON; API key required) and the problem read endpoints. sink stores
// each problem durably before the 202 and starts runs.
func RegisterProblems(a *API, sink problem.Sink, problems store.Problems) {
	h := problemHandlers{sink: sink, problems: problems}
	a.Write("POST /v1/webhooks/dynatrace", h.single(webhook.Dynatrace))
	a.Write("POST /v1/webhooks/alertmanager", h.alertmanager)
	a.Write("POST /v1/problems", h.single(webhook.Native))
	a.Read("GET /v1/problems", h.list)
	a.Read("GET /v1/problems/{id}", h.get)
}

type problemHandlers struct {
	sink     problem.Sink
	problems store.Problems
}

// intakeError turns a parser's error into a 400 naming the field.
func intakeError(err error) error {
	var fe *problem.FieldError
	var se *webhook.SyntaxError
	switch {
	case errors.As(err, &fe):
		return BadRequest(fe.Field, "%s", fe.Reason)
	case errors.As(err, &se):
		return BadRequest("", "%s", se.Error())
	}
	return err
}

func (h problemHandlers) submit(ctx context.Context, p problem.Problem) (problem.Receipt, error) {
	if err := stampProblemAccount(ctx, &p); err != nil {
		return problem.Receipt{}, err
	}
	rec, err := h.sink.Submit(ctx, p)
	if err != nil {
		return rec, intakeError(err)
	}
	return rec, nil
}

// single answers a webhook that carries one problem, decoded by parse.
func (h problemHandlers) single(parse func([]byte) (problem.Problem, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := ReadJSONBody(r)
		if err != nil {
			WriteError(w, r, err)
			return
		}
		p, err := parse(body)
		if err != nil {
			WriteError(w, r, intakeError(err))
			return
		}
		rec, err := h.submit(r.Context(), p)
		if err != nil {
			WriteError(w, r, err)
			return
		}
		WriteJSON(w, http.StatusAccepted, rec)
	}
}

func (h problemHandlers) alertmanager(w http.ResponseWriter, r *http.Request) {
	body, err := ReadJSONBody(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	ps, err := webhook.Alertmanager(body)
	if err != nil {
		WriteError(w, r, intakeError(err))
		return
	}
	out := make([]problem.Receipt, 0, len(ps))
	for _, p := range ps {
		rec, err := h.submit(r.Context(), p)
		if err != nil {
			WriteError(w, r, err)
			return
		}
		out = append(out, rec)
	}
	WriteJSON(w, http.StatusAccepted, map[string]any{"problems": out})
}

// ProblemView is a stored problem as the API shows it.
type ProblemView struct {
	ID          string           `json:"id"`
	Source      string           `json:"source"`
	ExternalID  string           `json:"external_id"`
	Title       string           `json:"title"`
	State       string           `json:"state"`
	EventType   string           `json:"event_type,omitempty"`
	Occurrences int              `json:"occurrences"`
	FirstSeen   time.Time        `json:"first_seen"`
	LastSeen    time.Time        `json:"last_seen"`
	Problem     json.RawMessage  `json:"problem,omitempty"`
	History     []OccurrenceView `json:"history,omitempty"`
	Comments    []CommentView    `json:"comments,omitempty"`
}

// OccurrenceView is one distinct delivery.
type OccurrenceView struct {
	ID         string    `json:"id"`
	State      string    `json:"state"`
	EventType  string    `json:"event_type,omitempty"`
	Digest     string    `json:"digest"`
	ReceivedAt time.Time `json:"received_at"`
}

// CommentView is a comment tend keeps on a problem.
type CommentView struct {
	ID        string    `json:"id"`
	Author    string    `json:"author"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
}

func problemView(p store.ProblemRecord) ProblemView {
	return ProblemView{ID: p.ID, Source: p.Source, ExternalID: p.ExternalID, Title: p.Title, State: p.State, EventType: p.EventType,
		Occurrences: p.Occurrences, FirstSeen: p.FirstSeen, LastSeen: p.LastSeen}
}

func (h problemHandlers) list(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	ps, err := listVisibleProblems(r, h.problems, store.ProblemFilter{Source: r.URL.Query().Get("source"), Limit: limit})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := make([]ProblemView, 0, len(ps))
	for _, p := range ps {
		out = append(out, problemView(p))
	}
	WriteJSON(w, http.StatusOK, map[string]any{"problems": out})
}

func (h problemHandlers) get(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := h.problems.Get(ctx, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !Principal(r).SeesAccount(ProblemAccount(p.Body))) {
		WriteError(w, r, NotFound("no problem %q", r.PathValue("id")))
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	v := problemView(p)
	v.Problem = p.Body
	occs, err := h.problems.Occurrences(ctx, p.ID)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	for _, o := range occs {
		v.History = append(v.History, OccurrenceView{ID: o.ID, State: o.State, EventType: o.EventType, Digest: o.Digest, ReceivedAt: o.ReceivedAt})
	}
	cs, err := h.problems.Comments(ctx, p.Source, p.ExternalID)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	for _, c := range cs {
		v.Comments = append(v.Comments, CommentView{ID: c.ID, Author: c.Author, Content: c.Content, CreatedAt: c.CreatedAt})
	}
	WriteJSON(w, http.StatusOK, v)
}

// limitParam reads ?limit= (1–1000, default 100).
func limitParam(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		return 0, BadRequest("limit", "must be a whole number from 1 to 1000 (got %q)", s)
	}
	return n, nil
}
