package onnx

import (
	"errors"
	"os"
	"testing"
)

func TestDecodeOps(t *testing.T) {
	m, err := ReadFile("../gonnx/testdata/ops.onnx")
	if err != nil {
		t.Fatal(err)
	}
	if m.Opset != 13 {
		t.Errorf("opset %d, want 13", m.Opset)
	}
	if len(m.Graph.Inputs) != 1 || m.Graph.Inputs[0].Name != "input" {
		t.Fatalf("inputs %+v", m.Graph.Inputs)
	}
	if got := m.Graph.Inputs[0].Shape; len(got) != 4 || got[0] != -1 || got[1] != 3 {
		t.Errorf("input shape %v, want [-1 3 29 27]", got)
	}
	w, ok := m.Graph.Initializers["c1.weight"]
	if !ok || w.Len() != 8*3*3*3 || len(w.Float) != w.Len() {
		t.Fatalf("c1.weight: %+v", w)
	}
	var conv *Node
	for i := range m.Graph.Nodes {
		if m.Graph.Nodes[i].OpType == "Conv" {
			conv = &m.Graph.Nodes[i]
			break
		}
	}
	if conv == nil || len(conv.Attrs["strides"].Ints) != 2 || conv.Attrs["strides"].Ints[0] != 2 {
		t.Fatalf("first Conv's strides: %+v", conv)
	}
	if len(m.Digest) != 64 {
		t.Errorf("digest %q", m.Digest)
	}
}

func TestDecodeMetadata(t *testing.T) {
	m, err := ReadFile("../../../models/fashion-mnist/fashion-cnn.onnx")
	if err != nil {
		t.Fatal(err)
	}
	if m.Metadata["tend.preprocess"] == "" {
		t.Fatalf("no tend.preprocess metadata: %v", m.Metadata)
	}
}

func TestDecodeRejectsDamage(t *testing.T) {
	data, err := os.ReadFile("../gonnx/testdata/ops.onnx")
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"empty":     {},
		"truncated": data[:len(data)/2],
		"garbage":   []byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"),
		"text":      []byte("this is not a model"),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(b); !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v, want ErrMalformed", err)
			}
		})
	}
}

// FuzzDecode: no input makes the reader panic or allocate without bound.
func FuzzDecode(f *testing.F) {
	data, err := os.ReadFile("../gonnx/testdata/ops.onnx")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:100])
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Decode(b)
	})
}
