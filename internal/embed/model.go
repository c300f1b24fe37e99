package embed

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tendhq/tend/internal/embed/gonnx"
	"github.com/tendhq/tend/internal/embed/onnx"
	"github.com/tendhq/tend/internal/embed/transform"
)

// Model is an embedding model: how to prepare an image for it, and a
// runtime that turns prepared images into vectors. A Model is safe for
// concurrent use; each worker runs it through its own Runner.
type Model interface {
	// Digest identifies the model (SHA-256 of its file).
	Digest() string
	// Spec says how an image becomes the model's input.
	Spec() transform.Spec
	// Dim is the length of a vector.
	Dim() int
	// NewRunner returns a runner for one goroutine.
	NewRunner() Runner
}

// Runner runs a model on one goroutine.
type Runner interface {
	// Run embeds n prepared images laid out one after another in input
	// (n × Spec().Len() floats) and returns n × Dim() floats.
	Run(ctx context.Context, input []float32, n int) ([]float32, error)
}

// PreprocessKey is the ONNX metadata property holding a model's
// transform.Spec as JSON. Without it a 3×224×224 model gets
// transform.ImageNet.
const PreprocessKey = "tend.preprocess"

// GoModel is a Model run by the pure-Go runtime (package gonnx).
type GoModel struct {
	prog   *gonnx.Program
	digest string
	spec   transform.Spec
	dim    int
	path   string
}

var _ Model = (*GoModel)(nil)

// LoadModel reads an ONNX file for the pure-Go runtime. The model must take
// one float32 [n,C,H,W] input and give one [n,D] output.
func LoadModel(path string) (*GoModel, error) {
	m, err := onnx.ReadFile(path)
	if err != nil {
		return nil, err
	}
	prog, err := gonnx.Compile(m)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	c, h, w := prog.InputShape()
	spec := transform.ImageNet
	if raw, ok := m.Metadata[PreprocessKey]; ok {
		spec = transform.Spec{}
		if err := json.Unmarshal([]byte(raw), &spec); err != nil {
			return nil, fmt.Errorf("model %s: metadata %s: %w", path, PreprocessKey, err)
		}
	}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("model %s: metadata %s: %w", path, PreprocessKey, err)
	}
	if spec.Channels != c || spec.Crop != h || spec.Crop != w {
		return nil, fmt.Errorf("model %s takes [n,%d,%d,%d] but its preprocessing makes [%d,%d,%d]: set metadata %s", path, c, h, w, spec.Channels, spec.Crop, spec.Crop, PreprocessKey)
	}
	out := prog.OutputShape()
	if len(out) != 1 || out[0] <= 0 {
		return nil, fmt.Errorf("model %s: the output must be [n,D] with a fixed D, is [n %v]", path, out)
	}
	return &GoModel{prog: prog, digest: m.Digest, spec: spec, dim: out[0], path: path}, nil
}

func (g *GoModel) Digest() string       { return g.digest }
func (g *GoModel) Spec() transform.Spec { return g.spec }
func (g *GoModel) Dim() int             { return g.dim }

// NewRunner returns a session of the compiled program.
func (g *GoModel) NewRunner() Runner { return goRunner{s: g.prog.NewSession(), dim: g.dim} }

type goRunner struct {
	s   *gonnx.Session
	dim int
}

func (r goRunner) Run(ctx context.Context, input []float32, n int) ([]float32, error) {
	out, _, err := r.s.Run(ctx, input, n)
	if err != nil {
		return nil, err
	}
	if len(out) != n*r.dim {
		return nil, fmt.Errorf("run model: %d outputs for %d images of %d", len(out), n, r.dim)
	}
	return out, nil
}
