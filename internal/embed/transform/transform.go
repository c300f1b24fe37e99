// Package transform turns image files into a model's input tensor the way
// torchvision's classic evaluation pipeline does:
//
//	Image.open(f).convert("RGB")      (or "L" for one-channel models)
//	transforms.Resize(256)            shorter side to 256, PIL bilinear
//	transforms.CenterCrop(224)
//	transforms.ToTensor()             uint8 / 255
//	transforms.Normalize(mean, std)   ImageNet's by default
//
// The resize reproduces Pillow's two-pass fixed-point resampling
// (Resample.c: a triangle filter widened by the scale factor, 22-bit
// coefficients, rounding to 8 bits after each pass), so for PNG and GIF
// input the tensor equals torchvision's exactly. JPEG and WebP are decoded
// by Go's decoders, whose IDCT and chroma upsampling differ from libjpeg's
// and libwebp's by a level or two on some pixels.
package transform

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // registered decoders
	_ "image/jpeg"
	_ "image/png"
	"math"

	_ "golang.org/x/image/webp"
)

// ErrBadImage is wrapped by every error about an image's bytes.
var ErrBadImage = errors.New("bad image")

// Spec says how to turn an image into a model's input.
type Spec struct {
	// Resize is the length the shorter side is scaled to (0: no resize).
	Resize int `json:"resize"`
	// Crop is the side of the centre square cut out after resizing.
	Crop int `json:"crop"`
	// Channels is 3 (RGB) or 1 (grey, as PIL's convert("L")).
	Channels int `json:"channels"`
	// Mean and Std normalise each channel after scaling to [0,1].
	Mean []float32 `json:"mean"`
	Std  []float32 `json:"std"`
}

// ImageNet is the spec of torchvision's pretrained classifiers.
var ImageNet = Spec{Resize: 256, Crop: 224, Channels: 3,
	Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}}

// Validate checks the spec, naming the wrong field.
func (s Spec) Validate() error {
	switch {
	case s.Channels != 1 && s.Channels != 3:
		return fmt.Errorf("preprocess: channels must be 1 or 3, is %d", s.Channels)
	case s.Crop <= 0:
		return fmt.Errorf("preprocess: crop must be positive, is %d", s.Crop)
	case s.Resize < 0 || (s.Resize > 0 && s.Resize < s.Crop):
		return fmt.Errorf("preprocess: resize (%d) must be 0 or at least crop (%d)", s.Resize, s.Crop)
	case len(s.Mean) != s.Channels || len(s.Std) != s.Channels:
		return fmt.Errorf("preprocess: mean and std need %d values each, have %d and %d", s.Channels, len(s.Mean), len(s.Std))
	}
	for i, v := range s.Std {
		if v == 0 {
			return fmt.Errorf("preprocess: std[%d] is 0", i)
		}
	}
	return nil
}

// Len is the number of floats one image becomes.
func (s Spec) Len() int { return s.Channels * s.Crop * s.Crop }

// Planes is an 8-bit image as separate channel planes (PIL's "RGB" or "L").
type Planes struct {
	W, H int
	C    int
	Pix  [][]uint8 // C planes of W×H
}

// Decode decodes an image file (JPEG, PNG, GIF's first frame, WebP) into
// planes with the spec's channels, as PIL's convert does: alpha is
// dropped, palettes are looked up, RGB→L is ITU-R 601-2 luma.
func Decode(data []byte, channels int) (*Planes, error) {
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadImage, err)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: %s image of %dx%d", ErrBadImage, format, w, h)
	}
	if w*h > 50_000_000 {
		return nil, fmt.Errorf("%w: %s image of %dx%d is larger than 50 megapixels", ErrBadImage, format, w, h)
	}
	r, g, bl := make([]uint8, w*h), make([]uint8, w*h), make([]uint8, w*h)
	grey := false
	switch m := img.(type) {
	case *image.Gray:
		grey = true
		for y := 0; y < h; y++ {
			copy(r[y*w:(y+1)*w], m.Pix[y*m.Stride:y*m.Stride+w])
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < w; x++ {
				i := y*w + x
				r[i], g[i], bl[i] = row[4*x], row[4*x+1], row[4*x+2]
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < w; x++ {
				i := y*w + x
				r[i], g[i], bl[i] = row[4*x], row[4*x+1], row[4*x+2]
			}
		}
	case *image.Paletted:
		pal := make([][3]uint8, len(m.Palette))
		for i, c := range m.Palette {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			pal[i] = [3]uint8{n.R, n.G, n.B}
		}
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < w; x++ {
				idx := int(row[x])
				if idx >= len(pal) {
					return nil, fmt.Errorf("%w: %s palette index %d out of range", ErrBadImage, format, idx)
				}
				i := y*w + x
				r[i], g[i], bl[i] = pal[idx][0], pal[idx][1], pal[idx][2]
			}
		}
	case *image.YCbCr:
		ycbcrToRGB(m, r, g, bl)
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				n := color.NRGBAModel.Convert(img.At(x+b.Min.X, y+b.Min.Y)).(color.NRGBA)
				i := y*w + x
				r[i], g[i], bl[i] = n.R, n.G, n.B
			}
		}
	}
	p := &Planes{W: w, H: h, C: channels}
	switch {
	case channels == 1 && grey:
		p.Pix = [][]uint8{r}
	case channels == 1:
		l := make([]uint8, w*h)
		for i := range l {
			// Pillow's L24: ITU-R 601-2 luma in 16-bit fixed point.
			l[i] = uint8((uint32(r[i])*19595 + uint32(g[i])*38470 + uint32(bl[i])*7471 + 0x8000) >> 16)
		}
		p.Pix = [][]uint8{l}
	case grey:
		p.Pix = [][]uint8{r, r, r}
	default:
		p.Pix = [][]uint8{r, g, bl}
	}
	return p, nil
}

// Apply decodes an image and writes the spec's tensor ([C, Crop, Crop],
// normalised) to dst, which must hold Len floats.
func (s Spec) Apply(data []byte, dst []float32) error {
	if len(dst) != s.Len() {
		return fmt.Errorf("transform: destination holds %d floats, the spec makes %d", len(dst), s.Len())
	}
	p, err := Decode(data, s.Channels)
	if err != nil {
		return err
	}
	p, err = s.Crops(p)
	if err != nil {
		return err
	}
	s.Normalize(p, dst)
	return nil
}

// Crops resizes and centre-crops decoded planes to Crop×Crop.
func (s Spec) Crops(p *Planes) (*Planes, error) {
	if s.Resize > 0 {
		w, h := resizedSize(p.W, p.H, s.Resize)
		p = Resize(p, w, h)
	}
	if p.W < s.Crop || p.H < s.Crop {
		return nil, fmt.Errorf("%w: the %dx%d image is smaller than the %d crop (and the model's spec has no resize)", ErrBadImage, p.W, p.H, s.Crop)
	}
	return CenterCrop(p, s.Crop), nil
}

// Normalize scales 8-bit planes to [0,1] and normalises them in float32,
// in the order torchvision computes: (v/255 - mean) / std.
func (s Spec) Normalize(p *Planes, dst []float32) {
	n := p.W * p.H
	for c := 0; c < s.Channels; c++ {
		mean, std := s.Mean[c], s.Std[c]
		var lut [256]float32
		for v := range lut {
			lut[v] = (float32(v)/255 - mean) / std
		}
		out := dst[c*n : (c+1)*n]
		for i, v := range p.Pix[c][:n] {
			out[i] = lut[v]
		}
	}
}

// resizedSize is torchvision's Resize(size) for one int: the shorter side
// becomes size, the longer int(size*long/short).
func resizedSize(w, h, size int) (int, int) {
	if w <= h {
		return size, int(float64(size*h) / float64(w))
	}
	return int(float64(size*w) / float64(h)), size
}

// CenterCrop cuts the centre size×size square, with torchvision's
// int(round((h - size) / 2.0)) offsets (round half to even, as Python).
func CenterCrop(p *Planes, size int) *Planes {
	top := int(math.RoundToEven(float64(p.H-size) / 2))
	left := int(math.RoundToEven(float64(p.W-size) / 2))
	if top == 0 && left == 0 && p.W == size && p.H == size {
		return p
	}
	out := &Planes{W: size, H: size, C: p.C}
	for _, plane := range p.Pix {
		o := make([]uint8, size*size)
		for y := 0; y < size; y++ {
			copy(o[y*size:(y+1)*size], plane[(top+y)*p.W+left:])
		}
		out.Pix = append(out.Pix, o)
	}
	return out
}

const precisionBits = 32 - 8 - 2

// coeffs is Pillow's precompute_coeffs for the bilinear (triangle) filter
// followed by normalize_coeffs_8bpc: per output pixel the first input index,
// the count, and 22-bit fixed-point weights.
func coeffs(inSize, outSize int) (bounds []int, kk []int32, ksize int) {
	scale := float64(inSize) / float64(outSize)
	filterscale := max(scale, 1.0)
	support := 1.0 * filterscale
	ksize = int(math.Ceil(support))*2 + 1
	bounds = make([]int, 2*outSize)
	kk = make([]int32, outSize*ksize)
	k := make([]float64, ksize)
	for xx := 0; xx < outSize; xx++ {
		center := (float64(xx) + 0.5) * scale
		ss := 1.0 / filterscale
		xmin := int(center - support + 0.5)
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		xmax -= xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			t := math.Abs((float64(x+xmin) - center + 0.5) * ss)
			w := 0.0
			if t < 1 {
				w = 1 - t
			}
			k[x] = w
			ww += w
		}
		for x := 0; x < ksize; x++ {
			v := 0.0
			if x < xmax && ww != 0 {
				v = k[x] / ww
			}
			if v < 0 {
				kk[xx*ksize+x] = int32(-0.5 + v*(1<<precisionBits))
			} else {
				kk[xx*ksize+x] = int32(0.5 + v*(1<<precisionBits))
			}
		}
		bounds[2*xx], bounds[2*xx+1] = xmin, xmax
	}
	return bounds, kk, ksize
}

func clip8(v int32) uint8 {
	if v >= 1<<precisionBits<<8 {
		return 255
	}
	if v <= 0 {
		return 0
	}
	return uint8(v >> precisionBits)
}

// Resize scales planes to w×h with Pillow's BILINEAR resampling
// (ImagingResampleInner): a horizontal pass over the rows the vertical pass
// needs, then a vertical pass, each rounding to 8 bits.
func Resize(p *Planes, w, h int) *Planes {
	if w == p.W && h == p.H {
		return p
	}
	needH, needV := w != p.W, h != p.H
	bh, kh, ksh := coeffs(p.W, w)
	bv, kv, ksv := coeffs(p.H, h)
	first := bv[0]
	last := bv[2*h-2] + bv[2*h-1]
	out := &Planes{W: w, H: h, C: p.C}
	for _, plane := range p.Pix {
		src, sw := plane, p.W
		boundsV := bv
		if needH {
			rows := last - first
			tmp := make([]uint8, w*rows)
			for y := 0; y < rows; y++ {
				in := plane[(y+first)*p.W:]
				for xx := 0; xx < w; xx++ {
					xmin, n := bh[2*xx], bh[2*xx+1]
					k := kh[xx*ksh:]
					ss := int32(1 << (precisionBits - 1))
					for x := 0; x < n; x++ {
						ss += int32(in[x+xmin]) * k[x]
					}
					tmp[y*w+xx] = clip8(ss)
				}
			}
			src, sw = tmp, w
			boundsV = make([]int, len(bv))
			copy(boundsV, bv)
			for i := 0; i < h; i++ {
				boundsV[2*i] -= first
			}
		}
		if !needV {
			out.Pix = append(out.Pix, src[:w*h])
			continue
		}
		o := make([]uint8, w*h)
		for yy := 0; yy < h; yy++ {
			ymin, n := boundsV[2*yy], boundsV[2*yy+1]
			k := kv[yy*ksv:]
			for xx := 0; xx < sw; xx++ {
				ss := int32(1 << (precisionBits - 1))
				for y := 0; y < n; y++ {
					ss += int32(src[(y+ymin)*sw+xx]) * k[y]
				}
				o[yy*w+xx] = clip8(ss)
			}
		}
		out.Pix = append(out.Pix, o)
	}
	return out
}
