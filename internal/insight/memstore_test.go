package insight

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/tendhq/tend/internal/store"
)

// memStore keeps insights and anomalies in maps, for benchmarks that
// measure the engine rather than the database.
type memStore struct {
	mu        sync.Mutex
	insights  map[string]store.Insight
	anomalies map[string]store.Anomaly
	byInsight map[string][]string
}

func newMemStore() *memStore {
	return &memStore{insights: map[string]store.Insight{}, anomalies: map[string]store.Anomaly{}, byInsight: map[string][]string{}}
}

func (m *memStore) Insights() store.Insights   { return memInsights{m} }
func (m *memStore) Anomalies() store.Anomalies { return memAnomalies{m} }

type memInsights struct{ m *memStore }
type memAnomalies struct{ m *memStore }

var (
	_ store.Insights  = memInsights{}
	_ store.Anomalies = memAnomalies{}
)

func (s memInsights) Create(_ context.Context, in store.Insight) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if _, ok := s.m.insights[in.ID]; ok {
		return store.ErrConflict
	}
	for _, o := range s.m.insights {
		if in.Status == store.InsightOngoing && o.Status == store.InsightOngoing && o.BoundaryKey == in.BoundaryKey {
			return store.ErrConflict
		}
	}
	in.Version = 1
	s.m.insights[in.ID] = in
	return nil
}

func (s memInsights) Open(ctx context.Context, in store.Insight, list []store.Anomaly) error {
	if err := s.Create(ctx, in); err != nil {
		return err
	}
	return memAnomalies(s).Upsert(ctx, list)
}

func (s memInsights) Get(_ context.Context, id string) (store.Insight, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	in, ok := s.m.insights[id]
	if !ok {
		return in, store.ErrNotFound
	}
	return in, nil
}

func (s memInsights) Update(_ context.Context, in store.Insight) (store.Insight, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	old, ok := s.m.insights[in.ID]
	if !ok {
		return in, store.ErrNotFound
	}
	if old.Version != in.Version {
		return in, fmt.Errorf("stale: %w", store.ErrConflict)
	}
	in.Version++
	s.m.insights[in.ID] = in
	return in, nil
}

func (s memInsights) Ongoing(_ context.Context, key string) (store.Insight, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	for _, o := range s.m.insights {
		if o.Status == store.InsightOngoing && o.BoundaryKey == key {
			return o, nil
		}
	}
	return store.Insight{}, store.ErrNotFound
}

func (s memInsights) ListOngoing(_ context.Context) ([]store.Insight, error) { return nil, nil }

func (s memInsights) List(context.Context, store.InsightFilter) (store.InsightPage, error) {
	return store.InsightPage{}, errors.New("memStore does not list")
}

func (s memAnomalies) Create(_ context.Context, a store.Anomaly) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if _, ok := s.m.anomalies[a.ID]; ok {
		return store.ErrConflict
	}
	s.m.anomalies[a.ID] = a
	s.m.byInsight[a.InsightID] = append(s.m.byInsight[a.InsightID], a.ID)
	return nil
}

func (s memAnomalies) Update(_ context.Context, a store.Anomaly) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if _, ok := s.m.anomalies[a.ID]; !ok {
		return store.ErrNotFound
	}
	s.m.anomalies[a.ID] = a
	return nil
}

func (s memAnomalies) Upsert(ctx context.Context, list []store.Anomaly) error {
	for _, a := range list {
		if err := s.Create(ctx, a); errors.Is(err, store.ErrConflict) {
			if err := s.Update(ctx, a); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
	}
	return nil
}

func (s memAnomalies) Get(_ context.Context, id string) (store.Anomaly, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	a, ok := s.m.anomalies[id]
	if !ok {
		return a, store.ErrNotFound
	}
	return a, nil
}

func (s memAnomalies) ListByInsight(_ context.Context, id string) ([]store.Anomaly, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	var out []store.Anomaly
	for _, aid := range s.m.byInsight[id] {
		out = append(out, s.m.anomalies[aid])
	}
	return out, nil
}

func (s memAnomalies) ListOpen(context.Context, string) ([]store.Anomaly, error) { return nil, nil }
