// Package vectors keeps image embeddings in tend's store (the embeddings
// table of migration 0006, SQLite or PostgreSQL) and answers nearest-
// neighbour queries by cosine similarity. It is the default sink of
// tend embed and what GET /v1/embeddings/{id} and POST
// /v1/embeddings/search read.
//
// Search is exact: it scans every vector of the model with an AVX2 dot
// product over an in-memory copy of the table, L2-normalised, which it
// reloads when the table changes. At 512 dimensions that is about 20 ms
// per query per 100,000 vectors on one core, which is why there is no
// approximate index.
package vectors

import (
	"container/heap"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/tendhq/tend/internal/embed"
	"github.com/tendhq/tend/internal/embed/gemm"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// Store is the embeddings table. It is safe for concurrent use.
type Store struct {
	db *sqlstore.DB

	mu    sync.Mutex
	index map[string]*index // by model
}

var (
	_ embed.Sink    = (*Store)(nil)
	_ embed.Resumer = (*Store)(nil)
)

// New returns the embeddings table of an open store.
func New(db *sqlstore.DB) *Store { return &Store{db: db, index: map[string]*index{}} }

// Encode packs a vector as little-endian float32 bytes (the seed's and
// DynamoDB's Vector attribute, and the vector column).
func Encode(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// Decode unpacks little-endian float32 bytes.
func Decode(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("vector of %d bytes is not float32s", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

const putRows = 100 // rows per INSERT statement

// Put upserts vectors by (image id, model) in one transaction.
func (s *Store) Put(ctx context.Context, vs []embed.Vector) error {
	if len(vs) == 0 {
		return nil
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for i := 0; i < len(vs); i += putRows {
			chunk := vs[i:min(i+putRows, len(vs))]
			var q strings.Builder
			q.WriteString(`INSERT INTO embeddings (image_id, model, checksum, source, dim, vector, created_at) VALUES `)
			args := make([]any, 0, 7*len(chunk))
			for j, v := range chunk {
				if j > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
				args = append(args, v.ImageID, v.Model, v.Checksum, v.Source, len(v.Values), Encode(v.Values), sqlstore.Micros(v.CreatedAt))
			}
			q.WriteString(` ON CONFLICT (image_id, model) DO UPDATE SET checksum = excluded.checksum, source = excluded.source,
				dim = excluded.dim, vector = excluded.vector, created_at = excluded.created_at`)
			if _, err := tx.ExecContext(ctx, s.db.Q(q.String()), args...); err != nil {
				return fmt.Errorf("upsert embeddings: %w", err)
			}
		}
		return nil
	})
}

// Known returns the stored checksum of each of ids under the model.
func (s *Store) Known(ctx context.Context, model string, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for i := 0; i < len(ids); i += 500 {
		chunk := ids[i:min(i+500, len(ids))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, model)
		for _, id := range chunk {
			args = append(args, id)
		}
		q := `SELECT image_id, checksum FROM embeddings WHERE model = ? AND image_id IN (?` + strings.Repeat(", ?", len(chunk)-1) + `)`
		rows, err := s.db.SQL().QueryContext(ctx, s.db.Q(q), args...)
		if err != nil {
			return nil, fmt.Errorf("look up embeddings: %w", err)
		}
		for rows.Next() {
			var id, sum string
			if err := rows.Scan(&id, &sum); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up embeddings: %w", err)
			}
			out[id] = sum
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up embeddings: %w", err)
		}
	}
	return out, nil
}

// Get returns an image's vector under the model; with model "" the image
// must have exactly one. store.ErrNotFound if there is none.
func (s *Store) Get(ctx context.Context, id, model string) (embed.Vector, error) {
	q, args := `SELECT image_id, model, checksum, source, vector, created_at FROM embeddings WHERE image_id = ?`, []any{id}
	if model != "" {
		q += ` AND model = ?`
		args = append(args, model)
	}
	rows, err := s.db.SQL().QueryContext(ctx, s.db.Q(q+` ORDER BY model LIMIT 2`), args...)
	if err != nil {
		return embed.Vector{}, fmt.Errorf("read embedding %q: %w", id, err)
	}
	defer rows.Close()
	var out []embed.Vector
	for rows.Next() {
		var v embed.Vector
		var blob []byte
		var at int64
		if err := rows.Scan(&v.ImageID, &v.Model, &v.Checksum, &v.Source, &blob, &at); err != nil {
			return embed.Vector{}, fmt.Errorf("read embedding %q: %w", id, err)
		}
		if v.Values, err = Decode(blob); err != nil {
			return embed.Vector{}, fmt.Errorf("read embedding %q: %w", id, err)
		}
		v.CreatedAt = sqlstore.Time(at)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return embed.Vector{}, fmt.Errorf("read embedding %q: %w", id, err)
	}
	switch len(out) {
	case 0:
		return embed.Vector{}, fmt.Errorf("embedding of %q: %w", id, store.ErrNotFound)
	case 1:
		return out[0], nil
	}
	return embed.Vector{}, fmt.Errorf("image %q has embeddings under several models: %w", id, ErrAmbiguous)
}

// ErrAmbiguous: a request that names no model matches several.
var ErrAmbiguous = errors.New("several models match: name one")

// ModelStats is one model's vectors in the table.
type ModelStats struct {
	Model   string `json:"model"`
	Vectors int    `json:"vectors"`
	Dim     int    `json:"dim"`
}

// Models lists the models with vectors in the table.
func (s *Store) Models(ctx context.Context) ([]ModelStats, error) {
	rows, err := s.db.SQL().QueryContext(ctx, `SELECT model, COUNT(*), MAX(dim) FROM embeddings GROUP BY model ORDER BY model`)
	if err != nil {
		return nil, fmt.Errorf("list embedding models: %w", err)
	}
	defer rows.Close()
	var out []ModelStats
	for rows.Next() {
		var m ModelStats
		if err := rows.Scan(&m.Model, &m.Vectors, &m.Dim); err != nil {
			return nil, fmt.Errorf("list embedding models: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Match is one search result.
type Match struct {
	ImageID string  `json:"image_id"`
	Score   float32 `json:"score"` // cosine similarity
}

// index is one model's vectors, normalised, in one slice.
type index struct {
	count   int
	version int64 // MAX(created_at): with count, tells when to reload
	dim     int
	ids     []string
	data    []float32
}

// resolveModel picks the model to search: the one named, or the only one.
func (s *Store) resolveModel(ctx context.Context, model string) (string, error) {
	if model != "" {
		return model, nil
	}
	ms, err := s.Models(ctx)
	if err != nil {
		return "", err
	}
	switch len(ms) {
	case 0:
		return "", fmt.Errorf("no embeddings yet: %w", store.ErrNotFound)
	case 1:
		return ms[0].Model, nil
	}
	return "", ErrAmbiguous
}

func (s *Store) load(ctx context.Context, model string) (*index, error) {
	var count int
	var version sql.NullInt64
	if err := s.db.SQL().QueryRowContext(ctx, s.db.Q(`SELECT COUNT(*), MAX(created_at) FROM embeddings WHERE model = ?`), model).Scan(&count, &version); err != nil {
		return nil, fmt.Errorf("search embeddings: %w", err)
	}
	s.mu.Lock()
	idx := s.index[model]
	s.mu.Unlock()
	if idx != nil && idx.count == count && idx.version == version.Int64 {
		return idx, nil
	}
	if count == 0 {
		return nil, fmt.Errorf("no embeddings under model %s: %w", model, store.ErrNotFound)
	}
	rows, err := s.db.SQL().QueryContext(ctx, s.db.Q(`SELECT image_id, dim, vector FROM embeddings WHERE model = ? ORDER BY image_id`), model)
	if err != nil {
		return nil, fmt.Errorf("search embeddings: %w", err)
	}
	defer rows.Close()
	idx = &index{count: count, version: version.Int64}
	for rows.Next() {
		var id string
		var dim int
		var blob []byte
		if err := rows.Scan(&id, &dim, &blob); err != nil {
			return nil, fmt.Errorf("search embeddings: %w", err)
		}
		v, err := Decode(blob)
		if err != nil {
			return nil, fmt.Errorf("embedding of %q: %w", id, err)
		}
		if idx.dim == 0 {
			idx.dim = len(v)
			idx.data = make([]float32, 0, count*len(v))
		}
		if len(v) != idx.dim {
			return nil, fmt.Errorf("embedding of %q has %d dimensions, others %d", id, len(v), idx.dim)
		}
		normalize(v)
		idx.ids = append(idx.ids, id)
		idx.data = append(idx.data, v...)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search embeddings: %w", err)
	}
	idx.count = len(idx.ids)
	s.mu.Lock()
	s.index[model] = idx
	s.mu.Unlock()
	return idx, nil
}

func normalize(v []float32) {
	n := float32(math.Sqrt(float64(gemm.Dot(v, v))))
	if n == 0 {
		return
	}
	for i := range v {
		v[i] /= n
	}
}

// DimError is a query vector of the wrong length.
type DimError struct{ Got, Want int }

func (e *DimError) Error() string {
	return fmt.Sprintf("the query vector has %d dimensions, the model's vectors %d", e.Got, e.Want)
}

// Search returns the k vectors of the model most similar to q by cosine,
// best first (model "" when the table holds one model).
func (s *Store) Search(ctx context.Context, model string, q []float32, k int) (string, []Match, error) {
	model, err := s.resolveModel(ctx, model)
	if err != nil {
		return "", nil, err
	}
	idx, err := s.load(ctx, model)
	if err != nil {
		return model, nil, err
	}
	if len(q) != idx.dim {
		return model, nil, &DimError{Got: len(q), Want: idx.dim}
	}
	qn := append([]float32(nil), q...)
	normalize(qn)
	return model, idx.search(qn, k), nil
}

func (idx *index) search(q []float32, k int) []Match {
	k = min(k, idx.count)
	h := make(minHeap, 0, k)
	for i := 0; i < idx.count; i++ {
		sc := gemm.Dot(q, idx.data[i*idx.dim:(i+1)*idx.dim])
		if len(h) < k {
			heap.Push(&h, Match{ImageID: idx.ids[i], Score: sc})
		} else if sc > h[0].Score {
			h[0] = Match{ImageID: idx.ids[i], Score: sc}
			heap.Fix(&h, 0)
		}
	}
	out := make([]Match, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&h).(Match)
	}
	return out
}

type minHeap []Match

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return h[i].Score < h[j].Score }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(Match)) }
func (h *minHeap) Pop() any {
	old := *h
	m := old[len(old)-1]
	*h = old[:len(old)-1]
	return m
}
