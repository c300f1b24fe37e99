package vectors

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/embed"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/storetest"
)

func vec(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func TestStore(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := New(b.Open(t))
			r := rand.New(rand.NewPCG(1, 2))
			at := time.Unix(1_700_000_000, 0)
			var vs []embed.Vector
			for i := range 250 { // three INSERT statements
				vs = append(vs, embed.Vector{ImageID: fmt.Sprintf("img/%03d.png", i), Model: "m1", Checksum: fmt.Sprint("sum", i), Values: vec(r, 16), CreatedAt: at})
			}
			if err := s.Put(ctx, vs); err != nil {
				t.Fatal(err)
			}
			// Upserting again (a redone batch) changes values, adds no rows.
			vs[7].Values = vec(r, 16)
			vs[7].Checksum = "new"
			if err := s.Put(ctx, vs[:10]); err != nil {
				t.Fatal(err)
			}
			if err := s.Put(ctx, []embed.Vector{{ImageID: "img/000.png", Model: "m2", Checksum: "x", Values: vec(r, 4), CreatedAt: at}}); err != nil {
				t.Fatal(err)
			}
			ms, err := s.Models(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := []ModelStats{{"m1", 250, 16}, {"m2", 1, 4}}; !slices.Equal(ms, want) {
				t.Fatalf("models %v, want %v", ms, want)
			}
			got, err := s.Get(ctx, "img/007.png", "")
			if err != nil {
				t.Fatal(err)
			}
			if got.Checksum != "new" || !slices.Equal(got.Values, vs[7].Values) || !got.CreatedAt.Equal(at) {
				t.Fatalf("got %+v", got)
			}
			if _, err := s.Get(ctx, "img/000.png", ""); !errors.Is(err, ErrAmbiguous) {
				t.Errorf("two models, none named: %v", err)
			}
			if _, err := s.Get(ctx, "nope", "m1"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("missing: %v", err)
			}
			known, err := s.Known(ctx, "m1", []string{"img/001.png", "img/007.png", "nope"})
			if err != nil {
				t.Fatal(err)
			}
			if len(known) != 2 || known["img/007.png"] != "new" || known["img/001.png"] != "sum1" {
				t.Fatalf("known %v", known)
			}
			// Search: an image's own vector is its nearest; a scaled copy
			// scores 1 (cosine).
			q := make([]float32, 16)
			for i, x := range vs[42].Values {
				q[i] = 3 * x
			}
			model, res, err := s.Search(ctx, "m1", q, 5)
			if err != nil {
				t.Fatal(err)
			}
			if model != "m1" || len(res) != 5 || res[0].ImageID != "img/042.png" || res[0].Score < 0.9999 {
				t.Fatalf("search: %s %v", model, res)
			}
			for i := 1; i < len(res); i++ {
				if res[i].Score > res[i-1].Score {
					t.Fatalf("not best first: %v", res)
				}
			}
			var de *DimError
			if _, _, err := s.Search(ctx, "m1", q[:3], 5); !errors.As(err, &de) {
				t.Errorf("short query: %v", err)
			}
			if _, _, err := s.Search(ctx, "", q, 5); !errors.Is(err, ErrAmbiguous) {
				t.Errorf("no model named: %v", err)
			}
			// The index reloads after a write.
			if err := s.Put(ctx, []embed.Vector{{ImageID: "zzz", Model: "m1", Checksum: "z", Values: q, CreatedAt: at.Add(time.Second)}}); err != nil {
				t.Fatal(err)
			}
			_, res, err = s.Search(ctx, "m1", q, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 2 || res[0].ImageID != "img/042.png" && res[0].ImageID != "zzz" || res[1].Score < 0.9999 {
				t.Fatalf("after a write: %v", res)
			}
		})
	}
}

func TestSearchBruteForceMatchesExhaustive(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	idx := &index{dim: 512}
	for i := range 1000 {
		v := vec(r, 512)
		normalize(v)
		idx.ids = append(idx.ids, fmt.Sprint(i))
		idx.data = append(idx.data, v...)
	}
	idx.count = 1000
	q := vec(r, 512)
	normalize(q)
	res := idx.search(q, 10)
	best, bestScore := "", float32(-2)
	for i := range 1000 {
		var s float32
		for j := range 512 {
			s += q[j] * idx.data[i*512+j]
		}
		if s > bestScore {
			best, bestScore = idx.ids[i], s
		}
	}
	if res[0].ImageID != best {
		t.Fatalf("top %v, exhaustive %s %v", res[0], best, bestScore)
	}
}

func BenchmarkSearch100k(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	idx := &index{dim: 512, count: 100_000, data: make([]float32, 100_000*512), ids: make([]string, 100_000)}
	for i := range idx.data {
		idx.data[i] = float32(r.NormFloat64())
	}
	q := vec(r, 512)
	for b.Loop() {
		idx.search(q, 10)
	}
}
