package store

import (
	"context"
	"time"
)

// Deployment types, as the seed's deployment database records them.
const (
	DeploymentSilo = "silo" // one tenant
	DeploymentPool = "pool" // many tenants
)

// Deployment states. A new deployment is PENDING until a worker takes it,
// PROVISIONING while its resources are created, then ACTIVE or FAILED
// (Error says why). A rollout moves an ACTIVE deployment through UPDATING
// and back; removal goes through REMOVING before the record is deleted.
const (
	DeploymentPending      = "PENDING"
	DeploymentProvisioning = "PROVISIONING"
	DeploymentActive       = "ACTIVE"
	DeploymentFailed       = "FAILED"
	DeploymentUpdating     = "UPDATING"
	DeploymentRemoving     = "REMOVING"
)

// Deployment is one tenant deployment of a product (silo or pool) at a
// provider, in an account and region.
type Deployment struct {
	ID       string
	Product  string
	Type     string // silo or pool
	Account  string
	Region   string
	Tenants  []string
	Provider string // cfn or process
	State    string
	Error    string
	// Version is the catalog version number the deployment runs; 0 before
	// it was first provisioned.
	Version int
	// Target is the version being provisioned or deployed; 0 when idle.
	Target int
	// Stack names the deployment's resources at its provider (the
	// CloudFormation stack, the local process group): metrics labelled
	// stack=<Stack> are the deployment's, and it is the boundary of its
	// insights.
	Stack string
	// Outputs are what the provider reported (stack id, endpoint, pid).
	Outputs map[string]string
	// DeleteResources, while REMOVING, says to delete what the provider
	// created; without it the resources are left in place.
	DeleteResources bool
	Attempts        int
	NextAt          time.Time
	LeaseOwner      string
	LeaseUntil      time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// Revision increases with every write; Update refuses a stale one.
	Revision int64
}

// DeploymentFilter narrows Deployments.List; empty fields match all.
type DeploymentFilter struct {
	Product  string
	State    string
	Type     string
	Provider string
	Limit    int // 0 means 1000
}

// Deployments stores tenant deployments.
type Deployments interface {
	// Create stores a new deployment with Revision 1; ErrConflict if the
	// ID exists.
	Create(ctx context.Context, d Deployment) error
	// Get returns a deployment; ErrNotFound if none.
	Get(ctx context.Context, id string) (Deployment, error)
	// List returns deployments by ID.
	List(ctx context.Context, f DeploymentFilter) ([]Deployment, error)
	// Claim leases up to n deployments that need a worker — PENDING, or
	// REMOVING — whose NextAt has come and whose lease has lapsed, to
	// owner until `until`, oldest first. Concurrent callers never receive
	// the same deployment while its lease holds (PostgreSQL: FOR UPDATE
	// SKIP LOCKED). Claiming counts an attempt and bumps Revision.
	Claim(ctx context.Context, owner string, now, until time.Time, n int) ([]Deployment, error)
	// Update replaces every field but ID, Product and CreatedAt when
	// d.Revision is the stored revision, and returns the stored
	// deployment with Revision+1; ErrConflict if another writer changed it
	// first, ErrNotFound if it does not exist.
	Update(ctx context.Context, d Deployment) (Deployment, error)
	// Delete removes the record; ErrNotFound if none.
	Delete(ctx context.Context, id string) error
}

// Rollout states. pending, running, waiting_approval and paused are
// active: at most one rollout per product is active at a time.
const (
	RolloutPending    = "pending"          // due to be planned by a worker
	RolloutRunning    = "running"          // deploying or baking a wave
	RolloutWaiting    = "waiting_approval" // a wave passed; the next waits for a person
	RolloutPaused     = "paused"           // held by a person; resume continues
	RolloutSucceeded  = "succeeded"        // every wave deployed and passed its gates
	RolloutRolledBack = "rolled_back"      // a gate or a deployment failed; the wave was rolled back
	RolloutAborted    = "aborted"          // aborted by a person; the unfinished wave was rolled back
	RolloutFailed     = "failed"           // could not finish or roll back; Error says why
)

// RolloutActive reports whether a rollout in state s is still active.
func RolloutActive(s string) bool {
	switch s {
	case RolloutPending, RolloutRunning, RolloutWaiting, RolloutPaused:
		return true
	}
	return false
}

// Rollout is the progressive rollout of one catalog version of a product
// to its deployments: a persisted state machine (like a remediation run)
// whose Data holds the engine's state, so that it resumes where it stopped.
type Rollout struct {
	ID      string
	Product string
	// Version is the catalog version number being rolled out.
	Version int
	// Strategy is the strategy as JSON (rollout.Strategy).
	Strategy []byte
	State    string
	// Wave is the index of the wave in progress (0-based).
	Wave    int
	Summary string
	Error   string
	Data    []byte
	// PauseRequested and AbortRequested are set by a person (Control) and
	// honoured by the engine at its next safe point; Advance never changes
	// them.
	PauseRequested bool
	AbortRequested bool
	// By records who started, approved, paused or aborted it last.
	CreatedBy  string
	ControlBy  string
	Attempts   int
	NextAt     time.Time
	LeaseOwner string
	LeaseUntil time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt time.Time
}

// RolloutStep is one recorded step of a rollout.
type RolloutStep struct {
	RolloutID  string
	Seq        int
	Name       string
	Status     string // ok, failed, waiting, skipped
	Input      []byte // JSON
	Output     []byte // JSON
	Error      string
	StartedAt  time.Time
	FinishedAt time.Time
}

// RolloutFilter narrows Rollouts.List.
type RolloutFilter struct {
	Product string
	State   string
	Limit   int // 0 means 100
}

// RolloutControl is what a person asked of a rollout, as Advance finds it.
type RolloutControl struct {
	PauseRequested bool
	AbortRequested bool
}

// Rollout control actions.
const (
	RolloutPause  = "pause"
	RolloutResume = "resume"
	RolloutAbort  = "abort"
)

// Rollouts stores rollouts and their steps.
type Rollouts interface {
	// Create stores a new rollout; ErrConflict if the ID exists or another
	// rollout of the product is active.
	Create(ctx context.Context, r Rollout) error
	Get(ctx context.Context, id string) (Rollout, error)
	// List returns rollouts newest first.
	List(ctx context.Context, f RolloutFilter) ([]Rollout, error)
	Steps(ctx context.Context, id string) ([]RolloutStep, error)
	// Claim leases up to n due rollouts to owner until `until`: pending
	// or running ones whose NextAt has come, and paused or waiting ones a
	// person asked to abort, whose lease has lapsed. Concurrent callers
	// never receive the same rollout while its lease holds.
	Claim(ctx context.Context, owner string, now, until time.Time, n int) ([]Rollout, error)
	// Advance stores r's state and appends the steps in one transaction,
	// leaving the control flags alone, and returns them. The caller must
	// hold the lease: ErrConflict if another owner took it, or if a step's
	// Seq is recorded.
	Advance(ctx context.Context, owner string, r Rollout, steps ...RolloutStep) (RolloutControl, error)
	// Control applies a person's pause, resume or abort. Abort of a
	// pending rollout no worker holds ends it at once; otherwise it is
	// flagged for the engine, which rolls back the unfinished wave.
	// ErrConflict if the rollout has finished (or, for resume, is not
	// paused or pausing); ErrNotFound if there is none.
	Control(ctx context.Context, id, action, by string, at time.Time) (Rollout, error)
	// Approve lets a rollout waiting for approval go on; ErrConflict if
	// it is not waiting.
	Approve(ctx context.Context, id, by string, at time.Time) (Rollout, error)
}
