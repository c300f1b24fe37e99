package transform

import "image"

// ycbcrToRGB converts a decoded JPEG to RGB planes as libjpeg(-turbo) does
// by default, which is what Pillow (and so torchvision) sees: chroma
// upsampled with the triangle ("fancy") filter for 4:2:0 and 4:2:2, and
// jdcolor.c's fixed-point YCbCr→RGB tables. Go's own conversion replicates
// chroma samples, which moves colours by tens of levels at sharp edges.
func ycbcrToRGB(m *image.YCbCr, r, g, b []uint8) {
	bd := m.Bounds()
	w, h := bd.Dx(), bd.Dy()
	cw, ch := (w+1)/2, (h+1)/2
	var cb, cr []uint8
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
		cb, cr = plane(m.Cb, m.CStride, w, h), plane(m.Cr, m.CStride, w, h)
	case image.YCbCrSubsampleRatio420:
		cb = fancy2x2(plane(m.Cb, m.CStride, cw, ch), cw, ch, w, h)
		cr = fancy2x2(plane(m.Cr, m.CStride, cw, ch), cw, ch, w, h)
	case image.YCbCrSubsampleRatio422:
		cb = fancy2x1(plane(m.Cb, m.CStride, cw, h), cw, h, w)
		cr = fancy2x1(plane(m.Cr, m.CStride, cw, h), cw, h, w)
	default:
		// 4:4:0, 4:1:1, 4:1:0: rare; Go's nearest-sample conversion.
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi, ci := m.YOffset(x+bd.Min.X, y+bd.Min.Y), m.COffset(x+bd.Min.X, y+bd.Min.Y)
				r[y*w+x], g[y*w+x], b[y*w+x] = libjpegRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			}
		}
		return
	}
	for y := 0; y < h; y++ {
		yrow := m.Y[y*m.YStride:]
		for x := 0; x < w; x++ {
			i := y*w + x
			r[i], g[i], b[i] = libjpegRGB(yrow[x], cb[i], cr[i])
		}
	}
}

func plane(p []uint8, stride, w, h int) []uint8 {
	out := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		copy(out[y*w:(y+1)*w], p[y*stride:])
	}
	return out
}

// fancy2x2 is libjpeg's h2v2_fancy_upsample: each output sample is
// 9/16, 3/16, 3/16, 1/16 of the four nearest input samples, edges
// replicated, cropped to w×h.
func fancy2x2(in []uint8, cw, ch, w, h int) []uint8 {
	out := make([]uint8, w*h)
	row := make([]uint8, 2*cw)
	for y := 0; y < h; y++ {
		inrow := y / 2
		other := inrow - 1
		if y%2 == 1 {
			other = inrow + 1
		}
		other = min(max(other, 0), ch-1)
		p0, p1 := in[inrow*cw:], in[other*cw:]
		if cw == 1 {
			v := (int(p0[0])*3 + int(p1[0])) * 4
			row[0], row[1] = uint8((v+8)>>4), uint8((v+7)>>4)
		} else {
			this := int(p0[0])*3 + int(p1[0])
			next := int(p0[1])*3 + int(p1[1])
			row[0] = uint8((this*4 + 8) >> 4)
			row[1] = uint8((this*3 + next + 7) >> 4)
			last := this
			this = next
			for c := 1; c < cw-1; c++ {
				next = int(p0[c+1])*3 + int(p1[c+1])
				row[2*c] = uint8((this*3 + last + 8) >> 4)
				row[2*c+1] = uint8((this*3 + next + 7) >> 4)
				last, this = this, next
			}
			row[2*cw-2] = uint8((this*3 + last + 8) >> 4)
			row[2*cw-1] = uint8((this*4 + 7) >> 4)
		}
		copy(out[y*w:(y+1)*w], row[:w])
	}
	return out
}

// fancy2x1 is libjpeg's h2v1_fancy_upsample (horizontal only).
func fancy2x1(in []uint8, cw, h, w int) []uint8 {
	out := make([]uint8, w*h)
	row := make([]uint8, 2*cw)
	for y := 0; y < h; y++ {
		p := in[y*cw:]
		if cw == 1 {
			row[0], row[1] = p[0], p[0]
		} else {
			row[0] = p[0]
			row[1] = uint8((int(p[0])*3 + int(p[1]) + 2) >> 2)
			for c := 1; c < cw-1; c++ {
				v := int(p[c]) * 3
				row[2*c] = uint8((v + int(p[c-1]) + 1) >> 2)
				row[2*c+1] = uint8((v + int(p[c+1]) + 2) >> 2)
			}
			row[2*cw-2] = uint8((int(p[cw-1])*3 + int(p[cw-2]) + 1) >> 2)
			row[2*cw-1] = p[cw-1]
		}
		copy(out[y*w:(y+1)*w], row[:w])
	}
	return out
}

const (
	scaleBits = 16
	oneHalf   = 1 << (scaleBits - 1)
)

func fix(x float64) int64 { return int64(x*(1<<scaleBits) + 0.5) }

var (
	fixCrR, fixCbB = fix(1.40200), fix(1.77200)
	fixCrG, fixCbG = fix(0.71414), fix(0.34414)
)

// libjpegRGB is jdcolor.c's ycc_rgb_convert for one sample.
func libjpegRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	yy := int64(y)
	cbx, crx := int64(cb)-128, int64(cr)-128
	r := yy + ((fixCrR*crx + oneHalf) >> scaleBits)
	g := yy + ((-fixCbG*cbx + oneHalf - fixCrG*crx) >> scaleBits)
	b := yy + ((fixCbB*cbx + oneHalf) >> scaleBits)
	return clamp8(r), clamp8(g), clamp8(b)
}

func clamp8(v int64) uint8 {
	return uint8(min(max(v, 0), 255))
}
