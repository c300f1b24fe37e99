package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tendhq/tend/internal/fleet"
	"github.com/tendhq/tend/internal/rollout"
	"github.com/tendhq/tend/internal/store"
)

// RegisterFleet adds the deployment and rollout endpoints: reads need no
// key; adding and removing deployments, starting and controlling rollouts
// do.
func RegisterFleet(a *API, fl *fleet.Engine, ro *rollout.Engine, st store.Store, now func() time.Time) {
	h := fleetHandlers{fl: fl, ro: ro, st: st, now: now}
	a.Read("GET /v1/deployments", h.listDeployments)
	a.Read("GET /v1/deployments/{id}", h.getDeployment)
	a.Admin("POST /v1/deployments", h.addDeployment)
	a.Admin("DELETE /v1/deployments/{id}", h.removeDeployment)
	a.Read("GET /v1/rollouts", h.listRollouts)
	a.Read("GET /v1/rollouts/{id}", h.getRollout)
	a.Admin("POST /v1/rollouts", h.startRollout)
	for _, action := range []string{store.RolloutPause, store.RolloutResume, store.RolloutAbort, "approve"} {
		a.Admin("POST /v1/rollouts/{id}/"+action, h.control(action))
	}
}

type fleetHandlers struct {
	fl  *fleet.Engine
	ro  *rollout.Engine
	st  store.Store
	now func() time.Time
}

// DeploymentView is a deployment as the API shows it.
type DeploymentView struct {
	ID              string            `json:"id"`
	Product         string            `json:"product"`
	Type            string            `json:"type"`
	Account         string            `json:"account"`
	Region          string            `json:"region"`
	Tenants         []string          `json:"tenants"`
	Provider        string            `json:"provider"`
	State           string            `json:"state"`
	Error           string            `json:"error,omitempty"`
	Version         int               `json:"version,omitempty"`
	Target          int               `json:"target,omitempty"`
	Stack           string            `json:"stack"`
	Outputs         map[string]string `json:"outputs,omitempty"`
	DeleteResources bool              `json:"delete_resources,omitempty"`
	Attempts        int               `json:"attempts"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
}

// NewDeploymentView converts a stored deployment.
func NewDeploymentView(d store.Deployment) DeploymentView {
	t := d.Tenants
	if t == nil {
		t = []string{}
	}
	return DeploymentView{ID: d.ID, Product: d.Product, Type: d.Type, Account: d.Account, Region: d.Region, Tenants: t, Provider: d.Provider,
		State: d.State, Error: d.Error, Version: d.Version, Target: d.Target, Stack: d.Stack, Outputs: d.Outputs, DeleteResources: d.DeleteResources,
		Attempts: d.Attempts, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

func (h fleetHandlers) listDeployments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list, err := h.st.Deployments().List(r.Context(), store.DeploymentFilter{Product: q.Get("product"), State: q.Get("state"), Type: q.Get("type"), Provider: q.Get("provider")})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := make([]DeploymentView, 0, len(list))
	p := Principal(r)
	for _, d := range list {
		if !p.SeesAccount(d.Account) {
			continue
		}
		out = append(out, NewDeploymentView(d))
	}
	WriteJSON(w, http.StatusOK, map[string]any{"deployments": out})
}

func (h fleetHandlers) getDeployment(w http.ResponseWriter, r *http.Request) {
	d, err := h.st.Deployments().Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !Principal(r).SeesAccount(d.Account)) {
		WriteError(w, r, NotFound("no deployment %q", r.PathValue("id")))
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, NewDeploymentView(d))
}

func (h fleetHandlers) addDeployment(w http.ResponseWriter, r *http.Request) {
	var s fleet.Spec
	if err := DecodeJSON(r, &s); err != nil {
		WriteError(w, r, err)
		return
	}
	if p := Principal(r); !p.SeesAccount(s.Account) {
		WriteError(w, r, &Error{Status: http.StatusForbidden, Code: "forbidden", Field: "account",
			Message: fmt.Sprintf("this credential may not act on account %q", s.Account)})
		return
	}
	d, err := h.fl.Add(r.Context(), s)
	if err != nil {
		WriteError(w, r, fleetError(err))
		return
	}
	w.Header().Set("Location", "/v1/deployments/"+d.ID)
	WriteJSON(w, http.StatusAccepted, NewDeploymentView(d))
}

func (h fleetHandlers) removeDeployment(w http.ResponseWriter, r *http.Request) {
	del := false
	if v := r.URL.Query().Get("delete_resources"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			WriteError(w, r, BadRequest("delete_resources", "must be true or false (got %q)", v))
			return
		}
		del = b
	}
	if cur, err := h.st.Deployments().Get(r.Context(), r.PathValue("id")); err == nil && !Principal(r).SeesAccount(cur.Account) {
		WriteError(w, r, NotFound("no deployment %q", r.PathValue("id")))
		return
	}
	d, err := h.fl.Remove(r.Context(), r.PathValue("id"), del)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			WriteError(w, r, NotFound("no deployment %q", r.PathValue("id")))
			return
		}
		WriteError(w, r, fleetError(err))
		return
	}
	WriteJSON(w, http.StatusAccepted, NewDeploymentView(d))
}

// fleetError maps fleet and rollout errors to API errors.
func fleetError(err error) error {
	var fe *fleet.FieldError
	var se *rollout.StrategyError
	switch {
	case errors.As(err, &fe):
		return BadRequest(fe.Field, "%s", fe.Reason)
	case errors.As(err, &se):
		return BadRequest("strategy."+se.Field, "%s", se.Reason)
	case errors.Is(err, store.ErrConflict):
		return Conflict("%v", err)
	case errors.Is(err, fleet.ErrBusy), errors.Is(err, rollout.ErrActive):
		return Conflict("%v", err)
	}
	return err
}

// RolloutView is a rollout with its state and steps.
type RolloutView struct {
	ID             string            `json:"id"`
	Product        string            `json:"product"`
	Version        int               `json:"version"`
	State          string            `json:"state"`
	Wave           int               `json:"wave"`
	Summary        string            `json:"summary,omitempty"`
	Error          string            `json:"error,omitempty"`
	PauseRequested bool              `json:"pause_requested,omitempty"`
	AbortRequested bool              `json:"abort_requested,omitempty"`
	CreatedBy      string            `json:"created_by,omitempty"`
	ControlBy      string            `json:"control_by,omitempty"`
	Strategy       json.RawMessage   `json:"strategy"`
	Status         *rollout.Status   `json:"status,omitempty"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
	FinishedAt     time.Time         `json:"finished_at,omitzero"`
	Steps          []RolloutStepView `json:"steps,omitempty"`
}

// RolloutStepView is one recorded step of a rollout.
type RolloutStepView struct {
	Seq        int             `json:"seq"`
	Name       string          `json:"name"`
	Status     string          `json:"status"`
	Input      json.RawMessage `json:"input"`
	Output     json.RawMessage `json:"output"`
	Error      string          `json:"error,omitempty"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at"`
}

// NewRolloutView converts a stored rollout and its steps.
func NewRolloutView(r store.Rollout, steps []store.RolloutStep) RolloutView {
	v := RolloutView{ID: r.ID, Product: r.Product, Version: r.Version, State: r.State, Wave: r.Wave, Summary: r.Summary, Error: r.Error,
		PauseRequested: r.PauseRequested, AbortRequested: r.AbortRequested, CreatedBy: r.CreatedBy, ControlBy: r.ControlBy,
		Strategy: rawOrNull(r.Strategy), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, FinishedAt: r.FinishedAt}
	if st, err := rollout.State(r); err == nil {
		v.Status = &st
	}
	for _, s := range steps {
		v.Steps = append(v.Steps, RolloutStepView{Seq: s.Seq, Name: s.Name, Status: s.Status, Input: rawOrNull(s.Input), Output: rawOrNull(s.Output),
			Error: s.Error, StartedAt: s.StartedAt, FinishedAt: s.FinishedAt})
	}
	return v
}

func (h fleetHandlers) listRollouts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list, err := h.st.Rollouts().List(r.Context(), store.RolloutFilter{Product: q.Get("product"), State: q.Get("state")})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := make([]RolloutView, 0, len(list))
	for _, x := range list {
		v := NewRolloutView(x, nil)
		v.Status = nil
		out = append(out, v)
	}
	WriteJSON(w, http.StatusOK, map[string]any{"rollouts": out})
}

func (h fleetHandlers) getRollout(w http.ResponseWriter, r *http.Request) {
	x, err := h.st.Rollouts().Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		WriteError(w, r, NotFound("no rollout %q", r.PathValue("id")))
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	steps, err := h.st.Rollouts().Steps(r.Context(), x.ID)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, NewRolloutView(x, steps))
}

// startRequest is the body of POST /v1/rollouts.
type startRequest struct {
	Product  string          `json:"product"`
	Version  int             `json:"version"`
	Strategy json.RawMessage `json:"strategy"`
}

func (h fleetHandlers) startRollout(w http.ResponseWriter, r *http.Request) {
	var req startRequest
	if err := DecodeJSON(r, &req); err != nil {
		WriteError(w, r, err)
		return
	}
	if req.Product == "" {
		WriteError(w, r, BadRequest("product", "is required"))
		return
	}
	var s rollout.Strategy
	if len(req.Strategy) > 0 && string(req.Strategy) != "null" {
		parsed, err := rollout.ParseStrategy(req.Strategy)
		if err != nil {
			var se *rollout.StrategyError
			if errors.As(err, &se) {
				WriteError(w, r, fleetError(err))
				return
			}
			WriteError(w, r, BadRequest("strategy", "%v", err))
			return
		}
		s = parsed
	}
	x, err := h.ro.Start(r.Context(), rollout.StartRequest{Product: req.Product, Version: req.Version, Strategy: s, By: "api key " + keyName(r)})
	if err != nil {
		WriteError(w, r, fleetError(err))
		return
	}
	w.Header().Set("Location", "/v1/rollouts/"+x.ID)
	WriteJSON(w, http.StatusCreated, NewRolloutView(x, nil))
}

func (h fleetHandlers) control(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, by, at := r.PathValue("id"), "api key "+keyName(r), h.now()
		var x store.Rollout
		var err error
		if action == "approve" {
			x, err = h.st.Rollouts().Approve(r.Context(), id, by, at)
		} else {
			x, err = h.st.Rollouts().Control(r.Context(), id, action, by, at)
		}
		switch {
		case errors.Is(err, store.ErrNotFound):
			WriteError(w, r, NotFound("no rollout %q", id))
			return
		case errors.Is(err, store.ErrConflict):
			WriteError(w, r, Conflict("cannot %s rollout %s: it is %s", action, id, x.State))
			return
		case err != nil:
			WriteError(w, r, err)
			return
		}
		h.ro.Wake()
		WriteJSON(w, http.StatusOK, NewRolloutView(x, nil))
	}
}

// keyName names the caller for the audit trail: "api key NAME (ID)".
func keyName(r *http.Request) string {
	if k, ok := Caller(r.Context()); ok {
		return k.Name + " (" + k.ID + ")"
	}
	return "unknown"
}
