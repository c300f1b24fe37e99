package remediate

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/store"
)

// StoreParams is the embedded parameter store: Params over tend's store.
type StoreParams struct{ Store store.Params }

var _ Params = StoreParams{}

// StringList returns the parameter split on commas and newlines, trimmed,
// in order; ErrNotFound if it is not set.
func (s StoreParams) StringList(ctx context.Context, name string) ([]string, error) {
	p, err := s.Store.Get(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("parameter %s: %w", name, err)
	}
	return SplitList(p.Value), nil
}

// SplitList splits a StringList value on commas and newlines.
func SplitList(v string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// StoreMonitor is the embedded monitor for problems that come from tend's
// own API or insights (or from a source whose real client is not
// configured): the details are what was delivered, and comments are kept in
// tend's store, visible with GET /v1/problems/{id}.
type StoreMonitor struct {
	Store  store.Problems
	Source string
	Author string
	Now    func() time.Time
}

var _ Monitor = StoreMonitor{}

// Problem returns the latest delivered content of the problem.
func (m StoreMonitor) Problem(ctx context.Context, externalID string) (problem.Problem, error) {
	var p problem.Problem
	rec, err := m.Store.Find(ctx, m.Source, externalID)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(rec.Body, &p); err != nil {
		return p, fmt.Errorf("decode problem %s: %w", rec.ID, err)
	}
	return p, nil
}

// Entity has no further details to give.
func (m StoreMonitor) Entity(ctx context.Context, id string) (problem.Entity, error) {
	return problem.Entity{}, fmt.Errorf("entity %s: tend holds no details beyond the problem: %w", id, ErrNotFound)
}

// Comments lists the comments tend keeps on the problem, newest first.
func (m StoreMonitor) Comments(ctx context.Context, externalID string) ([]Comment, error) {
	cs, err := m.Store.Comments(ctx, m.Source, externalID)
	if err != nil {
		return nil, err
	}
	out := make([]Comment, len(cs))
	for i, c := range cs {
		out[i] = Comment{ID: c.ID, Author: c.Author, Content: c.Content}
	}
	return out, nil
}

// Comment stores a comment on the problem.
func (m StoreMonitor) Comment(ctx context.Context, externalID, text string) error {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	author := m.Author
	if author == "" {
		author = "tend"
	}
	t := now().UTC()
	return m.Store.AddComment(ctx, store.Comment{ID: store.NewID("cmt", t), Source: m.Source, ExternalID: externalID, Author: author, Content: text, CreatedAt: t})
}
