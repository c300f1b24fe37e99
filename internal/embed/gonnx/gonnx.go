// Package gonnx is tend's pure-Go ONNX runtime: it runs the convolutional
// networks tend embeds images with (ResNet-style graphs of Conv, Relu, Add,
// MaxPool, GlobalAveragePool, Flatten, Gemm, MatMul, BatchNormalization,
// Reshape, AveragePool, Identity) on float32 tensors, with nothing
// installed. Convolutions are im2col + the packed GEMM of package gemm.
//
// A Program is compiled once from a model (weights packed) and is safe for
// concurrent use; each goroutine runs it through its own Session, which
// owns the working memory. A Session is single-threaded: parallelism comes
// from running several sessions (tend's embedding workers each own one).
package gonnx

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tendhq/tend/internal/embed/onnx"
)

// ErrUnsupported is wrapped by errors about models this runtime cannot run.
var ErrUnsupported = errors.New("unsupported ONNX model")

// tensor is a float32 tensor in row-major (NCHW) order.
type tensor struct {
	shape []int
	data  []float32
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// op is one compiled node: it reads its inputs and returns its output.
type op interface {
	run(s *Session, in []*tensor) (*tensor, error)
}

type step struct {
	name   string
	op     op
	inputs []int // value slots
	output int
	free   []int // slots whose last use is this step
}

// Program is a compiled model.
type Program struct {
	steps    []step
	slots    int
	consts   map[int]*tensor
	input    int
	output   int
	inName   string
	outName  string
	inShape  []int // C, H, W (the batch dimension is free)
	outShape []int // per image
}

// Compile turns a decoded model into a Program, packing its weights. It
// refuses operators, attributes and shapes it does not implement, naming
// the node.
func Compile(m *onnx.Model) (*Program, error) {
	g := &m.Graph
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return nil, fmt.Errorf("%w: the graph needs exactly one input and one output, has %d and %d", ErrUnsupported, len(g.Inputs), len(g.Outputs))
	}
	in, out := g.Inputs[0], g.Outputs[0]
	if in.ElemType != onnx.TypeFloat || len(in.Shape) != 4 {
		return nil, fmt.Errorf("%w: input %q must be float32 [n,C,H,W], is type %d shape %v", ErrUnsupported, in.Name, in.ElemType, in.Shape)
	}
	p := &Program{consts: map[int]*tensor{}, inName: in.Name, outName: out.Name}
	for _, d := range in.Shape[1:] {
		if d <= 0 {
			return nil, fmt.Errorf("%w: input %q has a free dimension other than the batch: %v", ErrUnsupported, in.Name, in.Shape)
		}
		p.inShape = append(p.inShape, int(d))
	}
	slot := map[string]int{}
	newSlot := func(name string) int {
		slot[name] = p.slots
		p.slots++
		return slot[name]
	}
	p.input = newSlot(in.Name)
	c := &compiler{init: g.Initializers, ints: map[string][]int64{}, floats: map[string]*tensor{}}
	for name, t := range g.Initializers {
		if t.DataType == onnx.TypeFloat {
			c.floats[name] = &tensor{shape: dims(t.Dims), data: t.Float}
		} else {
			c.ints[name] = t.Int
		}
	}
	nodes, fused := fuseRelu(fuseResidual(g.Nodes, out.Name), out.Name)
	for i, n := range nodes {
		if n.Domain != "" && n.Domain != "ai.onnx" {
			return nil, fmt.Errorf("%w: node %q uses operator domain %q", ErrUnsupported, n.Name, n.Domain)
		}
		if len(n.Outputs) == 0 {
			return nil, fmt.Errorf("%w: node %q (%s) has no output", ErrUnsupported, n.Name, n.OpType)
		}
		// Constants and ops on constants are folded at compile time.
		if done, err := c.fold(n); err != nil {
			return nil, fmt.Errorf("node %q (%s): %w", n.Name, n.OpType, err)
		} else if done {
			continue
		}
		o, dyn, err := c.compile(n)
		if err != nil {
			return nil, fmt.Errorf("node %q (%s): %w", n.Name, n.OpType, err)
		}
		if fused[i] {
			switch op := o.(type) {
			case *convOp:
				op.relu = true
			case *gemmOp:
				op.relu = true
			}
		}
		st := step{name: n.Name + " (" + n.OpType + ")", op: o}
		for _, name := range dyn {
			s, ok := slot[name]
			if !ok {
				if t, isConst := c.floats[name]; isConst {
					s = newSlot(name)
					p.consts[s] = t
				} else {
					return nil, fmt.Errorf("%w: node %q reads %q, which no earlier node produces", ErrUnsupported, n.Name, name)
				}
			}
			st.inputs = append(st.inputs, s)
		}
		st.output = newSlot(n.Outputs[0])
		p.steps = append(p.steps, st)
	}
	o, ok := slot[out.Name]
	if !ok {
		return nil, fmt.Errorf("%w: no node produces the graph output %q", ErrUnsupported, out.Name)
	}
	p.output = o
	// Free each value after its last use, except the output and constants.
	last := map[int]int{}
	for i, st := range p.steps {
		for _, s := range st.inputs {
			last[s] = i
		}
	}
	for s, i := range last {
		if s != p.output && s != p.input && p.consts[s] == nil {
			p.steps[i].free = append(p.steps[i].free, s)
		}
	}
	for _, d := range out.Shape[1:] {
		p.outShape = append(p.outShape, int(d))
	}
	return p, nil
}

// InputShape is the per-image input shape: channels, height, width.
func (p *Program) InputShape() (c, h, w int) { return p.inShape[0], p.inShape[1], p.inShape[2] }

// OutputShape is the per-image output shape the model declares (a free
// dimension is -1).
func (p *Program) OutputShape() []int { return slices.Clone(p.outShape) }

// Session runs a Program on one goroutine, reusing working memory between
// runs.
type Session struct {
	p    *Program
	pool map[int][][]float32
	vals []*tensor
	scr  scratch
	in   *float32 // the caller's input, never pooled
}

// NewSession returns a session of the program.
func (p *Program) NewSession() *Session {
	return &Session{p: p, pool: map[int][][]float32{}, vals: make([]*tensor, p.slots)}
}

// Run computes the output for a batch of n images laid out [n,C,H,W] in
// input, returning the output's data ([n, ...]) and shape. The returned
// slice is the caller's.
func (s *Session) Run(ctx context.Context, input []float32, n int) ([]float32, []int, error) {
	c, h, w := s.p.InputShape()
	if n <= 0 || len(input) != n*c*h*w {
		return nil, nil, fmt.Errorf("run model: input %q needs %d×%d×%d×%d = %d floats, got %d", s.p.inName, n, c, h, w, n*c*h*w, len(input))
	}
	clear(s.vals)
	s.in = &input[0]
	s.vals[s.p.input] = &tensor{shape: []int{n, c, h, w}, data: input}
	for slot, t := range s.p.consts {
		s.vals[slot] = t
	}
	for _, st := range s.p.steps {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		in := make([]*tensor, len(st.inputs))
		for i, slot := range st.inputs {
			in[i] = s.vals[slot]
		}
		out, err := st.op.run(s, in)
		if err != nil {
			return nil, nil, fmt.Errorf("run %s: %w", st.name, err)
		}
		s.vals[st.output] = out
		for _, slot := range st.free {
			if t := s.vals[slot]; t != nil && slot != st.output {
				s.release(t)
				s.vals[slot] = nil
			}
		}
	}
	out := s.vals[s.p.output]
	data := slices.Clone(out.data)
	s.release(out)
	clear(s.vals)
	return data, slices.Clone(out.shape), nil
}

// alloc returns a tensor of the shape from the session's pool (contents
// undefined).
func (s *Session) alloc(shape ...int) *tensor {
	n := numel(shape)
	if l := s.pool[n]; len(l) > 0 {
		buf := l[len(l)-1]
		s.pool[n] = l[:len(l)-1]
		return &tensor{shape: shape, data: buf}
	}
	return &tensor{shape: shape, data: make([]float32, n)}
}

// release returns a tensor's memory to the pool. Tensors that alias
// another's data (reshapes) are released through the owner only.
func (s *Session) release(t *tensor) {
	if len(t.data) == 0 || &t.data[0] == s.in {
		return
	}
	for _, v := range s.vals {
		if v != nil && v != t && len(v.data) > 0 && &v.data[0] == &t.data[0] {
			return // still aliased by a live value
		}
	}
	s.pool[len(t.data)] = append(s.pool[len(t.data)], t.data)
	t.data = nil
}

func dims(d []int64) []int {
	out := make([]int, len(d))
	for i, v := range d {
		out[i] = int(v)
	}
	return out
}

// fuseRelu folds a Relu into the Conv or Gemm before it when the Relu is
// that node's only consumer: the product's output is clamped as it is
// written, saving a pass over memory. It returns the rewritten nodes and
// which of them carry a fused Relu.
func fuseRelu(nodes []onnx.Node, graphOutput string) ([]onnx.Node, map[int]bool) {
	uses := map[string]int{}
	for _, n := range nodes {
		for _, in := range n.Inputs {
			uses[in]++
		}
	}
	producer := map[string]int{}
	out := make([]onnx.Node, 0, len(nodes))
	fused := map[int]bool{}
	for _, n := range nodes {
		if n.OpType == "Relu" && len(n.Inputs) == 1 && len(n.Outputs) == 1 {
			if pi, ok := producer[n.Inputs[0]]; ok && uses[n.Inputs[0]] == 1 && n.Inputs[0] != graphOutput && !fused[pi] {
				p := out[pi]
				p.Outputs = []string{n.Outputs[0]}
				out[pi] = p
				fused[pi] = true
				continue
			}
		}
		if (n.OpType == "Conv" || n.OpType == "Gemm") && len(n.Outputs) == 1 {
			producer[n.Outputs[0]] = len(out)
		}
		out = append(out, n)
	}
	return out, fused
}

// residualAttr marks a Conv that also adds a residual (fuseResidual).
const residualAttr = "tend.residual"

// fuseResidual folds Add(Conv(x), r) into the Conv when the Add is the
// Conv's only consumer: the Conv's output starts from bias + r instead of
// bias, saving a pass. The fused Conv takes the Add's place in the order,
// after whatever computes r.
func fuseResidual(nodes []onnx.Node, graphOutput string) []onnx.Node {
	uses := map[string]int{}
	for _, n := range nodes {
		for _, in := range n.Inputs {
			uses[in]++
		}
	}
	producer := map[string]int{}
	out := make([]onnx.Node, 0, len(nodes))
	removed := map[int]bool{}
	for _, n := range nodes {
		if n.OpType == "Add" && len(n.Inputs) == 2 && len(n.Outputs) == 1 {
			for side := 0; side < 2; side++ {
				ci, ok := producer[n.Inputs[side]]
				if !ok || removed[ci] || uses[n.Inputs[side]] != 1 || n.Inputs[side] == graphOutput {
					continue
				}
				conv := out[ci]
				if _, has := conv.Attrs[residualAttr]; has {
					continue
				}
				attrs := make(map[string]onnx.Attribute, len(conv.Attrs)+1)
				for k, v := range conv.Attrs {
					attrs[k] = v
				}
				attrs[residualAttr] = onnx.Attribute{Name: residualAttr, Type: 3, S: []byte(n.Inputs[1-side])}
				conv.Attrs = attrs
				conv.Outputs = []string{n.Outputs[0]}
				removed[ci] = true
				n = conv
				break
			}
		}
		if n.OpType == "Conv" && len(n.Outputs) == 1 {
			producer[n.Outputs[0]] = len(out)
		}
		out = append(out, n)
	}
	kept := out[:0]
	for i, n := range out {
		if !removed[i] {
			kept = append(kept, n)
		}
	}
	return kept
}
