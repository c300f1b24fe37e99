package gonnx

import (
	"fmt"
	"math"

	"github.com/tendhq/tend/internal/embed/gemm"
	"github.com/tendhq/tend/internal/embed/onnx"
)

// compiler holds the constants known at compile time: initializers and the
// outputs of Constant nodes and of nodes computed only from constants.
type compiler struct {
	init   map[string]*onnx.Tensor
	floats map[string]*tensor
	ints   map[string][]int64
}

func (c *compiler) isConst(name string) bool {
	_, f := c.floats[name]
	_, i := c.ints[name]
	return f || i
}

// fold evaluates nodes whose inputs are all constants, reporting whether it
// did.
func (c *compiler) fold(n onnx.Node) (bool, error) {
	switch n.OpType {
	case "Constant":
		a, ok := n.Attrs["value"]
		if !ok || a.T == nil {
			return false, fmt.Errorf("%w: only Constant with a tensor value attribute is supported", ErrUnsupported)
		}
		if a.T.DataType == onnx.TypeFloat {
			c.floats[n.Outputs[0]] = &tensor{shape: dims(a.T.Dims), data: a.T.Float}
		} else {
			c.ints[n.Outputs[0]] = a.T.Int
		}
		return true, nil
	case "Identity", "Dropout":
		if len(n.Inputs) > 0 && c.isConst(n.Inputs[0]) {
			if f, ok := c.floats[n.Inputs[0]]; ok {
				c.floats[n.Outputs[0]] = f
			} else {
				c.ints[n.Outputs[0]] = c.ints[n.Inputs[0]]
			}
			return true, nil
		}
	}
	return false, nil
}

func (c *compiler) attrInt(n onnx.Node, name string, def int64) int64 {
	if a, ok := n.Attrs[name]; ok {
		return a.I
	}
	return def
}

func (c *compiler) attrInts(n onnx.Node, name string, def []int64) []int64 {
	if a, ok := n.Attrs[name]; ok {
		return a.Ints
	}
	return def
}

func (c *compiler) attrFloat(n onnx.Node, name string, def float32) float32 {
	if a, ok := n.Attrs[name]; ok {
		return a.F
	}
	return def
}

func (c *compiler) constFloat(n onnx.Node, i int, what string) (*tensor, error) {
	if i >= len(n.Inputs) || n.Inputs[i] == "" {
		return nil, nil
	}
	t, ok := c.floats[n.Inputs[i]]
	if !ok {
		return nil, fmt.Errorf("%w: %s %q must be a constant (initializer)", ErrUnsupported, what, n.Inputs[i])
	}
	return t, nil
}

// compile builds the op for a node and names its run-time inputs.
func (c *compiler) compile(n onnx.Node) (op, []string, error) {
	if len(n.Inputs) == 0 {
		return nil, nil, fmt.Errorf("%w: node has no input", ErrUnsupported)
	}
	x := n.Inputs[0]
	switch n.OpType {
	case "Relu":
		return reluOp{}, []string{x}, nil
	case "Identity", "Dropout":
		return identityOp{}, []string{x}, nil
	case "Add":
		if len(n.Inputs) != 2 {
			return nil, nil, fmt.Errorf("%w: Add needs two inputs", ErrUnsupported)
		}
		return addOp{}, n.Inputs[:2], nil
	case "Flatten":
		return flattenOp{axis: int(c.attrInt(n, "axis", 1))}, []string{x}, nil
	case "Reshape":
		if len(n.Inputs) < 2 {
			return nil, nil, fmt.Errorf("%w: Reshape needs a shape input", ErrUnsupported)
		}
		shape, ok := c.ints[n.Inputs[1]]
		if !ok {
			return nil, nil, fmt.Errorf("%w: Reshape's shape %q must be a constant", ErrUnsupported, n.Inputs[1])
		}
		if c.attrInt(n, "allowzero", 0) != 0 {
			return nil, nil, fmt.Errorf("%w: Reshape with allowzero=1", ErrUnsupported)
		}
		return reshapeOp{shape: shape}, []string{x}, nil
	case "Pad":
		return c.pad(n)
	case "GlobalAveragePool":
		return globalAvgPoolOp{}, []string{x}, nil
	case "MaxPool", "AveragePool":
		return c.pool(n)
	case "Conv":
		return c.conv(n)
	case "Gemm", "MatMul":
		return c.gemm(n)
	case "BatchNormalization":
		return c.batchNorm(n)
	}
	return nil, nil, fmt.Errorf("%w: operator %s is not implemented by the pure-Go runtime", ErrUnsupported, n.OpType)
}

// window is a 2-D sliding window: kernel, strides, pads, dilations.
type window struct {
	kh, kw, sh, sw, dh, dw int
	pt, pl, pb, pr         int
	ceil                   bool
}

func (c *compiler) window(n onnx.Node, kernel []int64) (window, error) {
	if len(kernel) != 2 {
		return window{}, fmt.Errorf("%w: only 2-D kernels are supported, kernel_shape is %v", ErrUnsupported, kernel)
	}
	w := window{kh: int(kernel[0]), kw: int(kernel[1]), sh: 1, sw: 1, dh: 1, dw: 1}
	if s := c.attrInts(n, "strides", nil); s != nil {
		if len(s) != 2 || s[0] <= 0 || s[1] <= 0 {
			return w, fmt.Errorf("%w: strides %v", ErrUnsupported, s)
		}
		w.sh, w.sw = int(s[0]), int(s[1])
	}
	if d := c.attrInts(n, "dilations", nil); d != nil {
		if len(d) != 2 || d[0] <= 0 || d[1] <= 0 {
			return w, fmt.Errorf("%w: dilations %v", ErrUnsupported, d)
		}
		w.dh, w.dw = int(d[0]), int(d[1])
	}
	if p := c.attrInts(n, "pads", nil); p != nil {
		if len(p) != 4 {
			return w, fmt.Errorf("%w: pads %v (need 4 values)", ErrUnsupported, p)
		}
		for _, v := range p {
			if v < 0 {
				return w, fmt.Errorf("%w: negative pads %v", ErrUnsupported, p)
			}
		}
		w.pt, w.pl, w.pb, w.pr = int(p[0]), int(p[1]), int(p[2]), int(p[3])
	}
	if ap, ok := n.Attrs["auto_pad"]; ok && string(ap.S) != "NOTSET" && string(ap.S) != "" {
		if string(ap.S) != "VALID" {
			return w, fmt.Errorf("%w: auto_pad %s (export with explicit pads)", ErrUnsupported, ap.S)
		}
	}
	if w.kh <= 0 || w.kw <= 0 {
		return w, fmt.Errorf("%w: kernel_shape %v", ErrUnsupported, kernel)
	}
	w.ceil = c.attrInt(n, "ceil_mode", 0) != 0
	return w, nil
}

func (w window) out(h, wd int) (int, int) {
	eh := w.dh*(w.kh-1) + 1
	ew := w.dw*(w.kw-1) + 1
	nh, nw := h+w.pt+w.pb-eh, wd+w.pl+w.pr-ew
	if w.ceil {
		oh, ow := (nh+w.sh-1)/w.sh+1, (nw+w.sw-1)/w.sw+1
		// The last window must start inside the input or the left padding.
		if (oh-1)*w.sh >= h+w.pt {
			oh--
		}
		if (ow-1)*w.sw >= wd+w.pl {
			ow--
		}
		return oh, ow
	}
	return nh/w.sh + 1, nw/w.sw + 1
}

func (c *compiler) pool(n onnx.Node) (op, []string, error) {
	w, err := c.window(n, c.attrInts(n, "kernel_shape", nil))
	if err != nil {
		return nil, nil, err
	}
	if n.OpType == "MaxPool" {
		if len(n.Outputs) > 1 && n.Outputs[1] != "" {
			return nil, nil, fmt.Errorf("%w: MaxPool with an Indices output", ErrUnsupported)
		}
		return maxPoolOp{w: w}, []string{n.Inputs[0]}, nil
	}
	return avgPoolOp{w: w, countPad: c.attrInt(n, "count_include_pad", 0) != 0}, []string{n.Inputs[0]}, nil
}

func (c *compiler) conv(n onnx.Node) (op, []string, error) {
	wt, err := c.constFloat(n, 1, "Conv weight")
	if err != nil {
		return nil, nil, err
	}
	if wt == nil || len(wt.shape) != 4 {
		return nil, nil, fmt.Errorf("%w: Conv needs a 4-D weight [M,C,kh,kw]", ErrUnsupported)
	}
	if g := c.attrInt(n, "group", 1); g != 1 {
		return nil, nil, fmt.Errorf("%w: grouped convolution (group=%d)", ErrUnsupported, g)
	}
	kernel := c.attrInts(n, "kernel_shape", []int64{int64(wt.shape[2]), int64(wt.shape[3])})
	if int(kernel[0]) != wt.shape[2] || int(kernel[1]) != wt.shape[3] {
		return nil, nil, fmt.Errorf("%w: kernel_shape %v does not match the weight %v", ErrUnsupported, kernel, wt.shape)
	}
	w, err := c.window(n, kernel)
	if err != nil {
		return nil, nil, err
	}
	m, k := wt.shape[0], wt.shape[1]*wt.shape[2]*wt.shape[3]
	o := &convOp{w: w, cout: m, cin: wt.shape[1], weights: gemm.PackA(wt.data, m, k, k)}
	b, err := c.constFloat(n, 2, "Conv bias")
	if err != nil {
		return nil, nil, err
	}
	if b != nil {
		if len(b.data) != m {
			return nil, nil, fmt.Errorf("%w: Conv bias has %d values for %d output channels", ErrUnsupported, len(b.data), m)
		}
		o.bias = b.data
	}
	if r, ok := n.Attrs[residualAttr]; ok {
		o.residual = true
		return o, []string{n.Inputs[0], string(r.S)}, nil
	}
	return o, []string{n.Inputs[0]}, nil
}

// gemm compiles Gemm (Y = alpha·A·B + beta·C) and MatMul with a constant B
// into out = X·W + bias, W kept as the packed transpose.
func (c *compiler) gemm(n onnx.Node) (op, []string, error) {
	if len(n.Inputs) < 2 {
		return nil, nil, fmt.Errorf("%w: %s needs two inputs", ErrUnsupported, n.OpType)
	}
	bt, err := c.constFloat(n, 1, n.OpType+" B")
	if err != nil {
		return nil, nil, err
	}
	if len(bt.shape) != 2 {
		return nil, nil, fmt.Errorf("%w: %s B must be 2-D, is %v", ErrUnsupported, n.OpType, bt.shape)
	}
	alpha, beta := float32(1), float32(1)
	transB := false
	if n.OpType == "Gemm" {
		if c.attrInt(n, "transA", 0) != 0 {
			return nil, nil, fmt.Errorf("%w: Gemm with transA=1", ErrUnsupported)
		}
		transB = c.attrInt(n, "transB", 0) != 0
		alpha, beta = c.attrFloat(n, "alpha", 1), c.attrFloat(n, "beta", 1)
	}
	// W is [N, K]: B transposed, unless it already is.
	var k, nout int
	var w []float32
	if transB {
		nout, k = bt.shape[0], bt.shape[1]
		w = make([]float32, len(bt.data))
		copy(w, bt.data)
	} else {
		k, nout = bt.shape[0], bt.shape[1]
		w = make([]float32, len(bt.data))
		for i := 0; i < k; i++ {
			for j := 0; j < nout; j++ {
				w[j*k+i] = bt.data[i*nout+j]
			}
		}
	}
	if alpha != 1 {
		for i := range w {
			w[i] *= alpha
		}
	}
	o := &gemmOp{k: k, n: nout, weights: gemm.PackA(w, nout, k, k)}
	if n.OpType == "Gemm" {
		ct, err := c.constFloat(n, 2, "Gemm C")
		if err != nil {
			return nil, nil, err
		}
		if ct != nil {
			if len(ct.data) != nout && len(ct.data) != 1 {
				return nil, nil, fmt.Errorf("%w: Gemm C of shape %v does not broadcast to [n,%d] per row", ErrUnsupported, ct.shape, nout)
			}
			o.bias = make([]float32, nout)
			for j := range o.bias {
				o.bias[j] = beta * ct.data[j%len(ct.data)]
			}
		}
	}
	return o, []string{n.Inputs[0]}, nil
}

func (c *compiler) batchNorm(n onnx.Node) (op, []string, error) {
	var ts [4]*tensor
	for i, what := range []string{"scale", "B", "mean", "var"} {
		t, err := c.constFloat(n, i+1, "BatchNormalization "+what)
		if err != nil {
			return nil, nil, err
		}
		if t == nil {
			return nil, nil, fmt.Errorf("%w: BatchNormalization needs %s", ErrUnsupported, what)
		}
		ts[i] = t
	}
	ch := len(ts[0].data)
	eps := c.attrFloat(n, "epsilon", 1e-5)
	o := batchNormOp{mul: make([]float32, ch), add: make([]float32, ch)}
	for i := 0; i < ch; i++ {
		if len(ts[1].data) != ch || len(ts[2].data) != ch || len(ts[3].data) != ch {
			return nil, nil, fmt.Errorf("%w: BatchNormalization parameters differ in length", ErrUnsupported)
		}
		inv := ts[0].data[i] / float32(math.Sqrt(float64(ts[3].data[i]+eps)))
		o.mul[i] = inv
		o.add[i] = ts[1].data[i] - ts[2].data[i]*inv
	}
	return o, []string{n.Inputs[0]}, nil
}

// pad compiles a constant-mode Pad of the spatial dimensions of a 4-D tensor.
func (c *compiler) pad(n onnx.Node) (op, []string, error) {
	if m, ok := n.Attrs["mode"]; ok && string(m.S) != "constant" {
		return nil, nil, fmt.Errorf("%w: Pad mode %q", ErrUnsupported, m.S)
	}
	var pads []int64
	if len(n.Inputs) > 1 {
		p, ok := c.ints[n.Inputs[1]]
		if !ok {
			return nil, nil, fmt.Errorf("%w: Pad's pads %q must be a constant", ErrUnsupported, n.Inputs[1])
		}
		pads = p
	} else {
		pads = c.attrInts(n, "pads", nil)
	}
	if len(pads) != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0 {
		return nil, nil, fmt.Errorf("%w: Pad only of the last two dimensions of a 4-D tensor, pads %v", ErrUnsupported, pads)
	}
	for _, v := range pads {
		if v < 0 {
			return nil, nil, fmt.Errorf("%w: negative pads %v", ErrUnsupported, pads)
		}
	}
	o := padOp{top: int(pads[2]), left: int(pads[3]), bottom: int(pads[6]), right: int(pads[7])}
	if len(n.Inputs) > 2 && n.Inputs[2] != "" {
		v, err := c.constFloat(n, 2, "Pad constant_value")
		if err != nil {
			return nil, nil, err
		}
		if len(v.data) != 1 {
			return nil, nil, fmt.Errorf("%w: Pad constant_value must be a scalar", ErrUnsupported)
		}
		o.value = v.data[0]
	}
	return o, []string{n.Inputs[0]}, nil
}
