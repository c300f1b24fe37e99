package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

func testReviews(t *testing.T, s store.Store) {
	ctx := context.Background()
	rv := s.Reviews()
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	if _, err := rv.Latest(ctx, "shop"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Latest(none) = %v, want ErrNotFound", err)
	}
	if _, err := rv.Get(ctx, "r0"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
	}
	a := store.Review{ID: "r1", Product: "shop", Version: 3, Source: "git", Ref: "main", CreatedAt: at, Files: 10, Lines: 900, High: 2, Low: 1, Report: []byte(`{"findings":[]}`)}
	b := store.Review{ID: "r2", Product: "shop", Source: "tarball", Ref: "abc", CreatedAt: at.Add(time.Minute), Files: 11, Lines: 910, Report: []byte(`{}`)}
	c := store.Review{ID: "r3", Product: "blog", Source: "tarball", CreatedAt: at, Critical: 1, Report: []byte(`{}`)}
	for _, r := range []store.Review{a, b, c} {
		if err := rv.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := rv.Add(ctx, a); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Add(duplicate) = %v, want ErrConflict", err)
	}
	got, err := rv.Get(ctx, "r1")
	if err != nil || got.High != 2 || got.Low != 1 || got.Version != 3 || got.Ref != "main" || string(got.Report) != `{"findings":[]}` || !got.CreatedAt.Equal(at) {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	latest, err := rv.Latest(ctx, "shop")
	if err != nil || latest.ID != "r2" || string(latest.Report) != "{}" {
		t.Fatalf("Latest = %+v, %v", latest, err)
	}
	list, err := rv.List(ctx, "shop", 10)
	if err != nil || len(list) != 2 || list[0].ID != "r2" || list[1].ID != "r1" || list[0].Report != nil {
		t.Fatalf("List(shop) = %+v, %v", list, err)
	}
	all, err := rv.List(ctx, "", 2)
	if err != nil || len(all) != 2 {
		t.Fatalf("List(all, 2) = %+v, %v", all, err)
	}
}
