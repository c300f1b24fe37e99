package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// RegisterRuns adds the remediation run endpoints: list and show (read),
// approve and cancel (admin); a run is of its problem's account. wake tells the engine an approved run is
// due.
func RegisterRuns(a *API, runs store.Runs, now func() time.Time, wake func()) {
	h := runHandlers{runs: runs, now: now, wake: wake}
	if a.store != nil {
		h.problems = a.store.Problems()
	}
	a.Read("GET /v1/runs", h.list)
	a.Read("GET /v1/runs/{id}", h.get)
	a.Admin("POST /v1/runs/{id}/approve", h.approve)
	a.Admin("POST /v1/runs/{id}/cancel", h.cancel)
}

type runHandlers struct {
	runs     store.Runs
	problems store.Problems // for the account of a run's problem
	now      func() time.Time
	wake     func()
}

// RunView is a run as the API shows it.
type RunView struct {
	ID           string     `json:"id"`
	Policy       string     `json:"policy"`
	ProblemID    string     `json:"problem_id"`
	OccurrenceID string     `json:"occurrence_id"`
	Mode         string     `json:"mode"`
	State        string     `json:"state"`
	Outcome      string     `json:"outcome,omitempty"`
	Summary      string     `json:"summary,omitempty"`
	Target       string     `json:"target,omitempty"`
	Error        string     `json:"error,omitempty"`
	Attempts     int        `json:"attempts"`
	ApprovedBy   string     `json:"approved_by,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Steps        []StepView `json:"steps,omitempty"`
}

// StepView is one recorded step with its inputs, outputs and timing.
type StepView struct {
	Seq        int             `json:"seq"`
	Name       string          `json:"name"`
	Status     string          `json:"status"`
	Input      json.RawMessage `json:"input"`
	Output     json.RawMessage `json:"output"`
	Error      string          `json:"error,omitempty"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at"`
	DurationMS float64         `json:"duration_ms"`
}

// NewRunView converts a stored run and its steps.
func NewRunView(r store.Run, steps []store.Step) RunView {
	v := RunView{ID: r.ID, Policy: r.Policy, ProblemID: r.ProblemID, OccurrenceID: r.OccurrenceID, Mode: r.Mode, State: r.State,
		Outcome: r.Outcome, Summary: r.Summary, Target: r.Target, Error: r.Error, Attempts: r.Attempts, ApprovedBy: r.ApprovedBy,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	for _, s := range steps {
		v.Steps = append(v.Steps, StepView{Seq: s.Seq, Name: s.Name, Status: s.Status, Input: rawOrNull(s.Input), Output: rawOrNull(s.Output),
			Error: s.Error, StartedAt: s.StartedAt, FinishedAt: s.FinishedAt,
			DurationMS: float64(s.FinishedAt.Sub(s.StartedAt).Microseconds()) / 1000})
	}
	return v
}

func rawOrNull(b []byte) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return json.RawMessage("null")
	}
	return b
}

func (h runHandlers) list(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	q := r.URL.Query()
	rs, err := h.runs.List(r.Context(), store.RunFilter{Policy: q.Get("policy"), State: q.Get("state"), ProblemID: q.Get("problem"), Limit: limit})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := make([]RunView, 0, len(rs))
	p := Principal(r)
	for _, x := range rs {
		if RunVisible(r.Context(), h.problems, p, x) {
			out = append(out, NewRunView(x, nil))
		}
	}
	WriteJSON(w, http.StatusOK, map[string]any{"runs": out})
}

func (h runHandlers) get(w http.ResponseWriter, r *http.Request) {
	x, err := h.runs.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !RunVisible(r.Context(), h.problems, Principal(r), x)) {
		WriteError(w, r, NotFound("no run %q", r.PathValue("id")))
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	steps, err := h.runs.Steps(r.Context(), x.ID)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, NewRunView(x, steps))
}

func (h runHandlers) approve(w http.ResponseWriter, r *http.Request) {
	h.transition(w, r, h.runs.Approve, "approve")
}

func (h runHandlers) cancel(w http.ResponseWriter, r *http.Request) {
	h.transition(w, r, h.runs.Cancel, "cancel")
}

func (h runHandlers) transition(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, id, by string, at time.Time) (store.Run, error), what string) {
	by := "api"
	if k, ok := Caller(r.Context()); ok {
		by = "api key " + k.Name
	}
	if cur, err := h.runs.Get(r.Context(), r.PathValue("id")); err == nil && !RunVisible(r.Context(), h.problems, Principal(r), cur) {
		WriteError(w, r, NotFound("no run %q", r.PathValue("id")))
		return
	}
	x, err := fn(r.Context(), r.PathValue("id"), by, h.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		WriteError(w, r, NotFound("no run %q", r.PathValue("id")))
		return
	case errors.Is(err, store.ErrConflict):
		WriteError(w, r, Conflict("cannot %s run %s: it is %s", what, x.ID, x.State))
		return
	case err != nil:
		WriteError(w, r, err)
		return
	}
	if h.wake != nil {
		h.wake()
	}
	WriteJSON(w, http.StatusOK, NewRunView(x, nil))
}
