// Package onnx reads the parts of an ONNX model file (onnx.proto3's
// ModelProto) that inference needs: the graph's nodes in order, their
// attributes, the initializers (weights) as float32 or int64 tensors, the
// graph inputs and outputs with their shapes, the opset and the metadata
// properties. It decodes the protobuf wire format directly (protowire), so it
// needs no generated code, and it checks every length and type as it goes:
// a file from outside that is truncated or malformed is an error naming the
// field, never a panic.
package onnx

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"

	"google.golang.org/protobuf/encoding/protowire"
)

// ErrMalformed is wrapped by every error about the file's bytes.
var ErrMalformed = errors.New("malformed ONNX model")

// Data types of TensorProto.data_type that the reader keeps.
const (
	TypeFloat = 1
	TypeInt32 = 6
	TypeInt64 = 7
)

// Model is a decoded ONNX model.
type Model struct {
	IRVersion int64
	Producer  string
	// Opset is the version of the default ("" or "ai.onnx") operator set.
	Opset    int64
	Graph    Graph
	Metadata map[string]string
	// Digest is the SHA-256 of the file's bytes, hex: a model's identity.
	Digest string
}

// Graph is a model's computation.
type Graph struct {
	Name         string
	Nodes        []Node
	Initializers map[string]*Tensor
	Inputs       []ValueInfo // graph inputs that are not initializers
	Outputs      []ValueInfo
}

// Node is one operator application.
type Node struct {
	Name    string
	OpType  string
	Domain  string
	Inputs  []string // "" for an omitted optional input
	Outputs []string
	Attrs   map[string]Attribute
}

// Attribute is a node attribute; which fields are set depends on Type.
type Attribute struct {
	Name   string
	Type   int // AttributeProto.AttributeType: 1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 6 FLOATS, 7 INTS
	F      float32
	I      int64
	S      []byte
	T      *Tensor
	Floats []float32
	Ints   []int64
}

// Tensor is a constant tensor. Float holds FLOAT data, Int INT32/INT64 data.
type Tensor struct {
	Name     string
	Dims     []int64
	DataType int
	Float    []float32
	Int      []int64
}

// ValueInfo names a graph input or output and its shape; a dimension that
// is symbolic (e.g. the batch "n") is -1.
type ValueInfo struct {
	Name     string
	ElemType int
	Shape    []int64
}

// Len is the number of elements the dims describe.
func (t *Tensor) Len() int {
	n := 1
	for _, d := range t.Dims {
		n *= int(d)
	}
	return n
}

// ReadFile reads and decodes a model file.
func ReadFile(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	m, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	return m, nil
}

// Decode decodes a serialized ModelProto.
func Decode(data []byte) (*Model, error) {
	sum := sha256.Sum256(data)
	m := &Model{Metadata: map[string]string{}, Digest: hex.EncodeToString(sum[:]), Opset: -1}
	haveGraph := false
	err := fields(data, "ModelProto", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch num {
		case 1: // ir_version
			m.IRVersion = int64(x)
		case 2:
			m.Producer = string(v)
		case 7:
			haveGraph = true
			return decodeGraph(v, &m.Graph)
		case 8: // opset_import
			var domain string
			var version int64
			if err := fields(v, "OperatorSetIdProto", func(num protowire.Number, _ protowire.Type, v []byte, x uint64) error {
				switch num {
				case 1:
					domain = string(v)
				case 2:
					version = int64(x)
				}
				return nil
			}); err != nil {
				return err
			}
			if domain == "" || domain == "ai.onnx" {
				m.Opset = version
			}
		case 14: // metadata_props
			var k, val string
			if err := fields(v, "StringStringEntryProto", func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) error {
				switch num {
				case 1:
					k = string(v)
				case 2:
					val = string(v)
				}
				return nil
			}); err != nil {
				return err
			}
			m.Metadata[k] = val
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !haveGraph {
		return nil, fmt.Errorf("%w: ModelProto has no graph (field 7)", ErrMalformed)
	}
	return m, nil
}

func decodeGraph(data []byte, g *Graph) error {
	g.Initializers = map[string]*Tensor{}
	var inputs []ValueInfo
	err := fields(data, "GraphProto", func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) error {
		switch num {
		case 1:
			n, err := decodeNode(v)
			if err != nil {
				return err
			}
			g.Nodes = append(g.Nodes, n)
		case 2:
			g.Name = string(v)
		case 5:
			t, err := decodeTensor(v)
			if err != nil {
				return fmt.Errorf("initializer: %w", err)
			}
			g.Initializers[t.Name] = t
		case 11, 12:
			vi, err := decodeValueInfo(v)
			if err != nil {
				return err
			}
			if num == 11 {
				inputs = append(inputs, vi)
			} else {
				g.Outputs = append(g.Outputs, vi)
			}
		case 15:
			return fmt.Errorf("%w: sparse initializers are not supported", ErrMalformed)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, in := range inputs {
		if _, isWeight := g.Initializers[in.Name]; !isWeight {
			g.Inputs = append(g.Inputs, in)
		}
	}
	return nil
}

func decodeNode(data []byte) (Node, error) {
	n := Node{Attrs: map[string]Attribute{}}
	err := fields(data, "NodeProto", func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) error {
		switch num {
		case 1:
			n.Inputs = append(n.Inputs, string(v))
		case 2:
			n.Outputs = append(n.Outputs, string(v))
		case 3:
			n.Name = string(v)
		case 4:
			n.OpType = string(v)
		case 7:
			n.Domain = string(v)
		case 5:
			a, err := decodeAttribute(v)
			if err != nil {
				return err
			}
			n.Attrs[a.Name] = a
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("node %q (%s): %w", n.Name, n.OpType, err)
	}
	if n.OpType == "" {
		return n, fmt.Errorf("%w: node %q has no op_type", ErrMalformed, n.Name)
	}
	return n, nil
}

func decodeAttribute(data []byte) (Attribute, error) {
	var a Attribute
	err := fields(data, "AttributeProto", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch num {
		case 1:
			a.Name = string(v)
		case 20:
			a.Type = int(x)
		case 2:
			if typ != protowire.Fixed32Type {
				return fmt.Errorf("%w: attribute f has wire type %d", ErrMalformed, typ)
			}
			a.F = math.Float32frombits(uint32(x))
		case 3:
			a.I = int64(x)
		case 4:
			a.S = append([]byte(nil), v...)
		case 5:
			t, err := decodeTensor(v)
			if err != nil {
				return fmt.Errorf("attribute %q: %w", a.Name, err)
			}
			a.T = t
		case 7:
			fs, err := floats(typ, v, x)
			if err != nil {
				return fmt.Errorf("attribute %q floats: %w", a.Name, err)
			}
			a.Floats = append(a.Floats, fs...)
		case 8:
			is, err := varints(typ, v, x)
			if err != nil {
				return fmt.Errorf("attribute %q ints: %w", a.Name, err)
			}
			a.Ints = append(a.Ints, is...)
		}
		return nil
	})
	return a, err
}

func decodeTensor(data []byte) (*Tensor, error) {
	t := &Tensor{}
	var raw []byte
	external := false
	err := fields(data, "TensorProto", func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch num {
		case 1:
			ds, err := varints(typ, v, x)
			if err != nil {
				return fmt.Errorf("dims: %w", err)
			}
			t.Dims = append(t.Dims, ds...)
		case 2:
			t.DataType = int(x)
		case 4:
			fs, err := floats(typ, v, x)
			if err != nil {
				return fmt.Errorf("float_data: %w", err)
			}
			t.Float = append(t.Float, fs...)
		case 5, 7:
			is, err := varints(typ, v, x)
			if err != nil {
				return fmt.Errorf("int_data: %w", err)
			}
			if num == 5 {
				for i := range is {
					is[i] = int64(int32(is[i]))
				}
			}
			t.Int = append(t.Int, is...)
		case 8:
			t.Name = string(v)
		case 9:
			raw = v
		case 14:
			external = x == 1
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if external {
		return nil, fmt.Errorf("%w: tensor %q keeps its data in an external file, which is not supported: re-export with the weights inside the model", ErrMalformed, t.Name)
	}
	n := 1
	for _, d := range t.Dims {
		if d < 0 || d > 1<<31 {
			return nil, fmt.Errorf("%w: tensor %q has dimension %d", ErrMalformed, t.Name, d)
		}
		n *= int(d)
		if n > 1<<31 {
			return nil, fmt.Errorf("%w: tensor %q is too large", ErrMalformed, t.Name)
		}
	}
	if raw != nil {
		switch t.DataType {
		case TypeFloat:
			if len(raw) != 4*n {
				return nil, fmt.Errorf("%w: tensor %q raw_data has %d bytes, dims need %d", ErrMalformed, t.Name, len(raw), 4*n)
			}
			t.Float = make([]float32, n)
			for i := range t.Float {
				t.Float[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		case TypeInt64:
			if len(raw) != 8*n {
				return nil, fmt.Errorf("%w: tensor %q raw_data has %d bytes, dims need %d", ErrMalformed, t.Name, len(raw), 8*n)
			}
			t.Int = make([]int64, n)
			for i := range t.Int {
				t.Int[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
			}
		case TypeInt32:
			if len(raw) != 4*n {
				return nil, fmt.Errorf("%w: tensor %q raw_data has %d bytes, dims need %d", ErrMalformed, t.Name, len(raw), 4*n)
			}
			t.Int = make([]int64, n)
			for i := range t.Int {
				t.Int[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
			}
		default:
			return nil, fmt.Errorf("%w: tensor %q has data type %d; only float32, int32 and int64 are supported", ErrMalformed, t.Name, t.DataType)
		}
		return t, nil
	}
	switch t.DataType {
	case TypeFloat:
		if len(t.Float) != n {
			return nil, fmt.Errorf("%w: tensor %q has %d floats, dims need %d", ErrMalformed, t.Name, len(t.Float), n)
		}
	case TypeInt32, TypeInt64:
		if len(t.Int) != n {
			return nil, fmt.Errorf("%w: tensor %q has %d integers, dims need %d", ErrMalformed, t.Name, len(t.Int), n)
		}
	default:
		return nil, fmt.Errorf("%w: tensor %q has data type %d; only float32, int32 and int64 are supported", ErrMalformed, t.Name, t.DataType)
	}
	return t, nil
}

func decodeValueInfo(data []byte) (ValueInfo, error) {
	var vi ValueInfo
	err := fields(data, "ValueInfoProto", func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) error {
		switch num {
		case 1:
			vi.Name = string(v)
		case 2: // TypeProto
			return fields(v, "TypeProto", func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) error {
				if num != 1 { // tensor_type
					return nil
				}
				return fields(v, "TypeProto.Tensor", func(num protowire.Number, _ protowire.Type, v []byte, x uint64) error {
					switch num {
					case 1:
						vi.ElemType = int(x)
					case 2:
						return fields(v, "TensorShapeProto", func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) error {
							if num != 1 {
								return nil
							}
							d := int64(-1)
							err := fields(v, "Dimension", func(num protowire.Number, _ protowire.Type, _ []byte, x uint64) error {
								if num == 1 {
									d = int64(x)
								}
								return nil
							})
							vi.Shape = append(vi.Shape, d)
							return err
						})
					}
					return nil
				})
			})
		}
		return nil
	})
	return vi, err
}

// fields walks a message's fields, calling fn with each field's number and
// wire type, and its bytes (length-delimited) or value (varint, fixed).
func fields(b []byte, msg string, fn func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: %s: bad field tag: %v", ErrMalformed, msg, protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var x32 uint32
			x32, n = protowire.ConsumeFixed32(b)
			x = uint64(x32)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("%w: %s field %d: %v", ErrMalformed, msg, num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// floats decodes a repeated float field, packed or not.
func floats(typ protowire.Type, v []byte, x uint64) ([]float32, error) {
	switch typ {
	case protowire.Fixed32Type:
		return []float32{math.Float32frombits(uint32(x))}, nil
	case protowire.BytesType:
		if len(v)%4 != 0 {
			return nil, fmt.Errorf("%w: packed floats of %d bytes", ErrMalformed, len(v))
		}
		out := make([]float32, len(v)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(v[4*i:]))
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: floats with wire type %d", ErrMalformed, typ)
}

// varints decodes a repeated integer field, packed or not.
func varints(typ protowire.Type, v []byte, x uint64) ([]int64, error) {
	switch typ {
	case protowire.VarintType:
		return []int64{int64(x)}, nil
	case protowire.BytesType:
		var out []int64
		for len(v) > 0 {
			x, n := protowire.ConsumeVarint(v)
			if n < 0 {
				return nil, fmt.Errorf("%w: packed varints: %v", ErrMalformed, protowire.ParseError(n))
			}
			out = append(out, int64(x))
			v = v[n:]
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: integers with wire type %d", ErrMalformed, typ)
}
