package store

import (
	"context"
	"time"
)

// Run states.
const (
	RunPending  = "pending"          // due to be executed by any worker
	RunWaiting  = "waiting_approval" // mode approve: waits for a person
	RunDone     = "done"             // finished; Outcome says how
	RunFailed   = "failed"           // gave up after an error; Error says why
	RunCanceled = "cancelled"        // cancelled by a person
)

// Run is one execution of a remediation policy on one problem occurrence:
// a persisted state machine. Data holds the engine's state (its
// accumulated step outputs) so that a run resumes where it stopped.
type Run struct {
	ID           string
	Policy       string
	ProblemID    string
	OccurrenceID string
	Mode         string
	State        string
	Outcome      string
	Summary      string
	Target       string
	Error        string
	Data         []byte
	Attempts     int
	NextAt       time.Time
	LeaseOwner   string
	LeaseUntil   time.Time
	ApprovedBy   string
	CreatedAt    time.Time
	UpdatedAt    time.Time

	// Notify are messages recording the run (Advance, or a RunRecord)
	// puts in the outbox in the same transaction (not stored with it).
	Notify []Notification
}

// Step is one recorded step of a run.
type Step struct {
	RunID      string
	Seq        int
	Name       string
	Status     string // ok, skipped, failed
	Input      []byte // JSON
	Output     []byte // JSON
	Error      string
	StartedAt  time.Time
	FinishedAt time.Time
}

// RunRecord is a run's new state and the steps to append, stored as
// Advance stores them but inside another write's transaction, so that the
// write and its record commit together.
type RunRecord struct {
	Owner string // must hold the run's lease, as for Advance
	Run   Run
	Steps []Step
}

// RunFilter narrows ListRuns.
type RunFilter struct {
	Policy    string
	State     string
	ProblemID string
	Limit     int // 0 means 100
}

// QualifyRequest is one run's qualification question.
type QualifyRequest struct {
	// Owner holds the run's lease; Then, when set, is called inside the
	// transaction with the answer and returns the run and step to record
	// (as Advance would), so the decision and its record commit together.
	// Then may be called more than once if the transaction is retried.
	Owner        string
	Then         func(count int, qualified bool) (Run, []Step)
	Policy       string
	Entity       string
	OccurrenceID string
	RunID        string
	At           time.Time
	Since        time.Time
	Need         int
}

// GuardRequest asks to act on a target now: allowed if the target's last
// action is older than Cooldown (or was this run's own) and fewer than
// RateLimit actions happened in RateWindow (RateLimit 0: no limit).
type GuardRequest struct {
	// Owner and Then as in QualifyRequest.
	Owner      string
	Then       func(GuardResult) (Run, []Step)
	Key        string // policy and target, e.g. "upsize/web-server"
	RunID      string
	Now        time.Time
	Cooldown   time.Duration
	RateLimit  int
	RateWindow time.Duration
}

// GuardResult is the answer to a GuardRequest.
type GuardResult struct {
	Allowed bool
	// Reason says why not: "cooldown" or "rate-limit".
	Reason string
	// HeldBy is the run that acted on the target last (cooldown).
	HeldBy string
	// Until is when the cooldown ends.
	Until time.Time
}

// Runs stores remediation runs, their steps, qualification hits and guards.
type Runs interface {
	// Create stores new runs (outside a problem delivery, e.g. tests).
	Create(ctx context.Context, runs ...Run) error
	Get(ctx context.Context, id string) (Run, error)
	List(ctx context.Context, f RunFilter) ([]Run, error)
	Steps(ctx context.Context, runID string) ([]Step, error)
	// Claim leases up to n due runs (pending, NextAt <= now, lease expired)
	// to owner until `until`, oldest first, and returns them. Concurrent
	// callers, in this or other processes, never receive the same run while
	// its lease holds (PostgreSQL: FOR UPDATE SKIP LOCKED).
	Claim(ctx context.Context, owner string, now, until time.Time, n int) ([]Run, error)
	// Advance stores r's state and appends the steps (none, or several
	// executed since the last record), in one transaction. The caller must
	// hold the lease: ErrConflict if the run was cancelled or its lease
	// taken by another owner meanwhile, or if a step's Seq is recorded.
	Advance(ctx context.Context, owner string, r Run, steps ...Step) error
	// Approve moves a waiting run back to pending; ErrConflict if it is not
	// waiting for approval, ErrNotFound if there is no such run.
	Approve(ctx context.Context, id, by string, at time.Time) (Run, error)
	// Cancel cancels a run that has not finished; ErrConflict if it has.
	Cancel(ctx context.Context, id, by string, at time.Time) (Run, error)
	// Qualify records that an occurrence matched a policy for an entity
	// (idempotent) and counts the matching occurrences since `since` not
	// yet used by an earlier qualification. When there are at least need,
	// they are marked used by runID and qualified is true: N occurrences
	// qualify exactly one run, however many runs count concurrently.
	// Repeating the call for a run that qualified returns qualified again.
	Qualify(ctx context.Context, q QualifyRequest) (count int, qualified bool, err error)
	// Guard applies a GuardRequest atomically: when allowed, the action is
	// recorded (starting the target's cooldown) in the same transaction.
	// Repeating an allowed request for the same run is allowed again.
	Guard(ctx context.Context, g GuardRequest) (GuardResult, error)
	// Counts returns the number of runs by policy and outcome, for metrics
	// and the CLI.
	Counts(ctx context.Context) (map[[2]string]int, error)
}
