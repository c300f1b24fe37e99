package embed_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/embed"
	"github.com/tendhq/tend/internal/embed/source"
	"github.com/tendhq/tend/internal/embed/vectors"
	"github.com/tendhq/tend/internal/store/storetest"
)

const fashionModel = "../../models/fashion-mnist/fashion-cnn.onnx"

// copyTree copies testdata/fashion (20 Fashion-MNIST test images, two per
// class) into a temporary directory the test may change.
func copyTree(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk("testdata/fashion", func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("testdata/fashion", p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestRunIntoStoreResumes(t *testing.T) {
	m, err := embed.LoadModel(fashionModel)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dir := copyTree(t)
			// Two bad images: not an image, and a PNG cut short.
			if err := os.WriteFile(filepath.Join(dir, "coat", "broken.png"), []byte("no png here"), 0o644); err != nil {
				t.Fatal(err)
			}
			good, _ := os.ReadFile(filepath.Join(dir, "bag", "00030.png"))
			if err := os.WriteFile(filepath.Join(dir, "bag", "truncated.png"), good[:len(good)/2], 0o644); err != nil {
				t.Fatal(err)
			}
			src, err := source.NewDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			vs := vectors.New(b.Open(t))
			var calls int
			job := embed.Job{Source: src, Model: m, Sink: vs, Batch: 6, Workers: 2, Progress: func(done, total int) { calls++ }}
			rep, err := embed.Run(ctx, job)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Images != 22 || rep.Embedded != 20 || rep.Skipped != 0 || len(rep.Failures) != 2 || calls != 4 {
				t.Fatalf("first run: %+v (%d progress calls)", rep, calls)
			}
			var failed []string
			for _, f := range rep.Failures {
				failed = append(failed, f.ID)
				if !strings.Contains(f.Error, "bad image") {
					t.Errorf("%s: %s", f.ID, f.Error)
				}
			}
			slices.Sort(failed)
			if !slices.Equal(failed, []string{"bag/truncated.png", "coat/broken.png"}) {
				t.Errorf("failures %v", failed)
			}
			// A rerun skips everything; a changed image is embedded again.
			rep, err = embed.Run(ctx, job)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Embedded != 0 || rep.Skipped != 20 {
				t.Fatalf("rerun: %+v", rep)
			}
			other, _ := os.ReadFile(filepath.Join(dir, "coat", "00006.png"))
			if err := os.WriteFile(filepath.Join(dir, "bag", "00030.png"), other, 0o644); err != nil {
				t.Fatal(err)
			}
			rep, err = embed.Run(ctx, job)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Embedded != 1 || rep.Skipped != 19 {
				t.Fatalf("after a change: %+v", rep)
			}
			ms, err := vs.Models(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 1 || ms[0].Vectors != 20 || ms[0].Dim != 128 || ms[0].Model != m.Digest() {
				t.Fatalf("models %+v", ms)
			}
			// The stored vector is the model's output for the image, and its
			// nearest neighbour is itself.
			v, err := vs.Get(ctx, "coat/00006.png", "")
			if err != nil {
				t.Fatal(err)
			}
			in := make([]float32, m.Spec().Len())
			if err := m.Spec().Apply(other, in); err != nil {
				t.Fatal(err)
			}
			want, err := m.NewRunner().Run(ctx, in, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(v.Values, want) {
				t.Fatal("stored vector differs from the model's output")
			}
			_, res, err := vs.Search(ctx, "", v.Values, 3)
			if err != nil {
				t.Fatal(err)
			}
			if res[0].ImageID != "bag/00030.png" && res[0].ImageID != "coat/00006.png" || res[0].Score < 0.9999 {
				t.Fatalf("search: %v", res)
			}
		})
	}
}

func TestNearestNeighbour(t *testing.T) {
	m, err := embed.LoadModel(fashionModel)
	if err != nil {
		t.Fatal(err)
	}
	src, err := source.NewDir("testdata/fashion")
	if err != nil {
		t.Fatal(err)
	}
	// Against itself every image is its own nearest neighbour.
	rep, err := embed.NearestNeighbour(context.Background(), m, src, src, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Train != 20 || rep.Test != 20 || rep.Accuracy != 1 {
		t.Fatalf("%+v", rep)
	}
}

func TestLoadModelErrors(t *testing.T) {
	if _, err := embed.LoadModel("testdata/nope.onnx"); err == nil {
		t.Fatal("a missing file loaded")
	}
	if _, err := embed.LoadModel("testdata/fashion/bag/00030.png"); err == nil {
		t.Fatal("a PNG loaded as a model")
	}
}
