package store

import "context"

type unsyncedKey struct{}

// Unsynced marks the writes made with ctx as not having to reach the disk
// before they return. Such a write is committed (atomic, visible, and kept
// if tend crashes) but may be lost if the machine loses power before a
// later synced write commits: the database then holds the state as of an
// earlier commit, which is consistent. Commits reach the disk in order, so
// every synced write also makes the unsynced ones before it durable.
//
// Use it only for writes whose loss is harmless because what they record is
// done again: a remediation run's step records between side effects, which
// a resumed run repeats (its side effects carry idempotency keys). A write
// that acknowledges something to the outside world, or precedes a side
// effect outside tend, must stay synced.
//
// SQLite commits such writes with synchronous=NORMAL (no fsync of the
// write-ahead log), PostgreSQL with synchronous_commit off.
func Unsynced(ctx context.Context) context.Context {
	return context.WithValue(ctx, unsyncedKey{}, true)
}

// IsUnsynced reports whether ctx was marked by Unsynced.
func IsUnsynced(ctx context.Context) bool {
	v, _ := ctx.Value(unsyncedKey{}).(bool)
	return v
}
