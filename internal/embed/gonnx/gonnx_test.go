package gonnx

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tendhq/tend/internal/embed/onnx"
	"github.com/tendhq/tend/internal/embed/transform"
)

func load(t testing.TB, path string) *Program {
	t.Helper()
	m, err := onnx.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func closeTo(t *testing.T, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d values, want %d", len(got), len(want))
	}
	worst := 0.0
	for i := range got {
		d := math.Abs(float64(got[i]) - want[i])
		if d > tol*max(1, math.Abs(want[i])) {
			t.Fatalf("value %d: %v, PyTorch %v", i, got[i], want[i])
		}
		worst = max(worst, d)
	}
	t.Logf("largest difference from PyTorch: %.2g", worst)
}

// TestOpsMatchPyTorch runs testdata/ops.onnx (every implemented operator,
// made by ops.py) and compares with PyTorch's output.
func TestOpsMatchPyTorch(t *testing.T) {
	var g struct {
		Shape    []int     `json:"shape"`
		Input    []float32 `json:"input"`
		Output   []float64 `json:"output"`
		OutShape []int     `json:"out_shape"`
	}
	raw, err := os.ReadFile("testdata/ops.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	p := load(t, "testdata/ops.onnx")
	s := p.NewSession()
	for run := 0; run < 2; run++ { // the second run reuses pooled memory
		out, shape, err := s.Run(context.Background(), g.Input, g.Shape[0])
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(shape, g.OutShape) {
			t.Fatalf("shape %v, want %v", shape, g.OutShape)
		}
		closeTo(t, out, g.Output, 1e-4)
	}
	// One image at a time gives the same rows.
	per := len(g.Input) / g.Shape[0]
	out, _, err := s.Run(context.Background(), g.Input[per:2*per], 1)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, out, g.Output[len(out):2*len(out)], 1e-4)
}

// TestFashionMatchesPyTorch: the committed Fashion-MNIST model against the
// embeddings its training script recorded.
func TestFashionMatchesPyTorch(t *testing.T) {
	var g struct {
		Input     []float32 `json:"input"`
		Embedding []float64 `json:"embedding"`
		N         int       `json:"n"`
	}
	raw, err := os.ReadFile("../../../models/fashion-mnist/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	p := load(t, "../../../models/fashion-mnist/fashion-cnn.onnx")
	out, _, err := p.NewSession().Run(context.Background(), g.Input, g.N)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, out, g.Embedding, 1e-4)
}

// TestResNet18MatchesPyTorch: the seed's ResNet18 on an image preprocessed
// by package transform, against torchvision's embedding of the same file
// (transform/testdata/golden.py).
func TestResNet18MatchesPyTorch(t *testing.T) {
	path := sharedModel(t, "resnet18-512.onnx")
	var g struct {
		Embedding []float64 `json:"embedding"`
	}
	raw, err := os.ReadFile("../transform/testdata/golden/resnet18.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	img, err := os.ReadFile(filepath.Join("..", "transform", "testdata", "images", "gradient.png"))
	if err != nil {
		t.Fatal(err)
	}
	in := make([]float32, transform.ImageNet.Len())
	if err := transform.ImageNet.Apply(img, in); err != nil {
		t.Fatal(err)
	}
	out, shape, err := load(t, path).NewSession().Run(context.Background(), in, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(shape, []int{1, 512}) {
		t.Fatalf("shape %v", shape)
	}
	closeTo(t, out, g.Embedding, 1e-4)
}

func TestRunChecksTheInput(t *testing.T) {
	p := load(t, "testdata/ops.onnx")
	if _, _, err := p.NewSession().Run(context.Background(), make([]float32, 10), 1); err == nil {
		t.Fatal("a short input ran")
	}
}
