package transform

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type golden struct {
	Source  string       `json:"source"`
	Samples [][4]float64 `json:"samples"`
}

// TestMatchesTorchvision compares the resize + crop (8-bit) and the
// normalised values with what golden.py got from torchvision 0.14 and
// Pillow: equal for the lossless formats, within two levels for JPEG.
func TestMatchesTorchvision(t *testing.T) {
	for _, name := range []string{"gradient.png", "tall.png", "alpha.png", "grey.png", "palette.gif", "photo.jpg", "small.png", "odd.jpg", "odd422.jpg"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "images", name))
			if err != nil {
				t.Fatal(err)
			}
			base := strings.TrimSuffix(name, filepath.Ext(name))
			wantPNG, err := os.ReadFile(filepath.Join("testdata", "golden", base+".crop.png"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := Decode(wantPNG, 3)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Decode(data, 3)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ImageNet.Crops(p)
			if err != nil {
				t.Fatal(err)
			}
			tol := 0
			if strings.HasSuffix(name, ".jpg") {
				// Go's JPEG decoder is not libjpeg: its chroma upsampling
				// (replication, not libjpeg's triangle "fancy" filter) and
				// IDCT move some levels; bound the mean and the worst.
				sum, worst := 0, 0
				for c := 0; c < 3; c++ {
					for i := range got.Pix[c] {
						d := max(int(got.Pix[c][i])-int(want.Pix[c][i]), int(want.Pix[c][i])-int(got.Pix[c][i]))
						sum += d
						worst = max(worst, d)
					}
				}
				mean := float64(sum) / float64(3*224*224)
				t.Logf("JPEG: mean |Go - torchvision| %.2f levels, worst %d", mean, worst)
				if mean > 0.5 || worst > 4 {
					t.Fatalf("JPEG decoding drifted from libjpeg's: mean %.2f, worst %d levels", mean, worst)
				}
				tol = 255
			}
			diff := 0
			for c := 0; c < 3; c++ {
				for i := range got.Pix[c] {
					d := int(got.Pix[c][i]) - int(want.Pix[c][i])
					if d < 0 {
						d = -d
					}
					if d > tol {
						diff++
						if diff < 4 {
							t.Errorf("channel %d pixel (%d,%d): %d, torchvision %d", c, i%224, i/224, got.Pix[c][i], want.Pix[c][i])
						}
					}
				}
			}
			if diff > 0 {
				t.Fatalf("%d values differ from torchvision by more than %d", diff, tol)
			}
			var g golden
			raw, err := os.ReadFile(filepath.Join("testdata", "golden", base+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &g); err != nil {
				t.Fatal(err)
			}
			dst := make([]float32, ImageNet.Len())
			if tol == 0 {
				if err := ImageNet.Apply(data, dst); err != nil {
					t.Fatal(err)
				}
			} else {
				ImageNet.Normalize(want, dst) // the normalisation alone, on torchvision's crop
			}
			for _, s := range g.Samples {
				c, y, x := int(s[0]), int(s[1]), int(s[2])
				if v := dst[c*224*224+y*224+x]; math.Abs(float64(v)-s[3]) > 1e-6 {
					t.Errorf("tensor[%d,%d,%d] = %v, torchvision %v", c, y, x, v, s[3])
				}
			}
		})
	}
}

func TestBadImages(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "images", "gradient.png"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"empty":     nil,
		"text":      []byte("not an image at all"),
		"truncated": good[:len(good)/2],
		"header":    good[:40],
	} {
		t.Run(name, func(t *testing.T) {
			err := ImageNet.Apply(data, make([]float32, ImageNet.Len()))
			if err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestSpecValidate(t *testing.T) {
	for name, s := range map[string]Spec{
		"channels": {Crop: 2, Channels: 2, Mean: []float32{0, 0}, Std: []float32{1, 1}},
		"crop":     {Channels: 1, Mean: []float32{0}, Std: []float32{1}},
		"resize":   {Resize: 10, Crop: 20, Channels: 1, Mean: []float32{0}, Std: []float32{1}},
		"mean":     {Crop: 2, Channels: 3, Mean: []float32{0}, Std: []float32{1, 1, 1}},
		"std":      {Crop: 2, Channels: 1, Mean: []float32{0}, Std: []float32{0}},
	} {
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v does not name the field", name, err)
		}
	}
	if err := ImageNet.Validate(); err != nil {
		t.Fatal(err)
	}
}

// FuzzApply: no input makes the decoder or the resampler panic.
func FuzzApply(f *testing.F) {
	for _, name := range []string{"small.png", "palette.gif", "photo.jpg"} {
		data, err := os.ReadFile(filepath.Join("testdata", "images", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	spec := Spec{Resize: 32, Crop: 28, Channels: 3, Mean: []float32{0, 0, 0}, Std: []float32{1, 1, 1}}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = spec.Apply(data, make([]float32, spec.Len()))
	})
}

func BenchmarkApplyImageNet(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "images", "photo.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, ImageNet.Len())
	for b.Loop() {
		if err := ImageNet.Apply(data, dst); err != nil {
			b.Fatal(err)
		}
	}
}
