;; Hand-written WebAssembly SIMD kernels that run on tfjs-backend-wasm's own heap (issue 18).
;; Each is one pass over memory where tfjs-wasm would make several (one per elementary op), or a
;; reduction without the stock Sum's transpose. Built by scripts/build-wasm-kernels.ts into
;; kernelsBinary.ts (twice: importing a plain and a shared memory); the formulas are checked in
;; wasmSimdKernels.test.ts against float64 references.
(module
  (import "env" "memory" (memory 1 MEMORY_LIMITS))

  ;; exp(x), Cephes' expf on 4 lanes, as a macro: `exp4 $dst (expr)` sets $dst = exp(expr),
  ;; using the locals $et $en $er (compileWat.ts expands it; neither Node 20 nor every Chrome
  ;; inlines wasm calls, and a call per 4 floats costs a third of the kernel's time).
  ;; x = n ln2 + r, |r| <= ln2/2, exp(r) by its polynomial, 2^n through the exponent bits; x is
  ;; clamped to [-87, 88] (2^n stays a normal float). n is rounded by adding 1.5 * 2^23 + 127:
  ;; the sum's low mantissa bits are then n + 127, which shifted left by 23 are 2^n's bit pattern
  ;; (pmin/pmax and no float->int conversion: each one x86 instruction, where min/max/nearest/
  ;; trunc_sat take several).
  (;@macro exp4 DST SRC
    (local.set $er
      (f32x4.pmax
        (f32x4.pmin SRC (v128.const f32x4 88 88 88 88))
        (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $et
      (f32x4.add
        (f32x4.mul (local.get $er) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
        (v128.const f32x4 12583039 12583039 12583039 12583039)))
    (local.set $en (f32x4.sub (local.get $et) (v128.const f32x4 12583039 12583039 12583039 12583039)))
    ;; r = x - n C1 - n C2, C1 + C2 = ln 2 (C1 exact in few bits)
    (local.set $er
      (f32x4.sub
        (f32x4.sub (local.get $er)
          (f32x4.mul (local.get $en) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
        (f32x4.mul (local.get $en) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    ;; exp(r) = p(r) r^2 + r + 1, p by Horner
    (local.set $en (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $en (f32x4.add (f32x4.mul (local.get $en) (local.get $er))
      (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $en (f32x4.add (f32x4.mul (local.get $en) (local.get $er))
      (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $en (f32x4.add (f32x4.mul (local.get $en) (local.get $er))
      (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $en (f32x4.add (f32x4.mul (local.get $en) (local.get $er))
      (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $en (f32x4.add (f32x4.mul (local.get $en) (local.get $er))
      (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set DST
      (f32x4.mul
        (f32x4.add
          (f32x4.add (f32x4.mul (local.get $en) (f32x4.mul (local.get $er) (local.get $er))) (local.get $er))
          (v128.const f32x4 1 1 1 1))
        (i32x4.shl (local.get $et) (i32.const 23))))
  @;)

  ;; The GELU (tanh form) of $x's 4 lanes, with its parts: $x2 = x^2, $e = exp(-2u), $s = sigmoid(2u),
  ;;   2u = 2 sqrt(2/pi) (x + 0.044715 x^3) = x (a + b x^2), a = 1.5957691216, b = 0.0713548163
  (;@macro geluParts
    (local.set $x2 (f32x4.mul (local.get $x) (local.get $x)))
    (local.set $e
      (f32x4.neg
        (f32x4.mul (local.get $x)
          (f32x4.add (v128.const f32x4 1.5957691216 1.5957691216 1.5957691216 1.5957691216)
            (f32x4.mul (local.get $x2) (v128.const f32x4 0.0713548163 0.0713548163 0.0713548163 0.0713548163))))))
    (;@exp4 $e (local.get $e);)
    (local.set $s (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $e))))
  @;)

  ;; dy gelu'(x) = dy (s + x s (1 - s) d(2u)/dx), d(2u)/dx = a + 3 b x^2, with s (1 - s) = e s^2
  ;; (1 - s itself loses its digits where s is near 1); after geluParts
  (;@macro geluGradOut
    (f32x4.mul (local.get $dy)
      (f32x4.add (local.get $s)
        (f32x4.mul
          (f32x4.mul (local.get $x) (f32x4.mul (local.get $e) (f32x4.mul (local.get $s) (local.get $s))))
          (f32x4.add (v128.const f32x4 1.5957691216 1.5957691216 1.5957691216 1.5957691216)
            (f32x4.mul (local.get $x2) (v128.const f32x4 0.2140644489 0.2140644489 0.2140644489 0.2140644489))))))
  @;)

  ;; The loops below run 4 floats at a time, then the last n mod 4 one by one (in lane 0).
  ;; y[i] = gelu(x[i]), i < count (byte addresses)
  (func (export "gelu") (param $px i32) (param $py i32) (param $count i32)
    (local $end i32) (local $x v128) (local $x2 v128) (local $e v128) (local $s v128)
    (local $et v128) (local $en v128) (local $er v128)
    (local.set $end (i32.add (local.get $px) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $x (v128.load (local.get $px)))
        (;@geluParts;)
        (v128.store (local.get $py) (f32x4.mul (local.get $x) (local.get $s)))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (local.set $py (i32.add (local.get $py) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $count) (i32.const 3)) (i32.const 2))))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $x (f32x4.splat (f32.load (local.get $px))))
        (;@geluParts;)
        (f32.store (local.get $py) (f32x4.extract_lane 0 (f32x4.mul (local.get $x) (local.get $s))))
        (local.set $px (i32.add (local.get $px) (i32.const 4)))
        (local.set $py (i32.add (local.get $py) (i32.const 4)))
        (br $tail))))

  ;; dx[i] = dy[i] gelu'(x[i]), i < count
  (func (export "geluGrad") (param $px i32) (param $pdy i32) (param $pdx i32) (param $count i32)
    (local $end i32) (local $x v128) (local $dy v128) (local $x2 v128) (local $e v128) (local $s v128)
    (local $et v128) (local $en v128) (local $er v128)
    (local.set $end (i32.add (local.get $px) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $x (v128.load (local.get $px)))
        (local.set $dy (v128.load (local.get $pdy)))
        (;@geluParts;)
        (v128.store (local.get $pdx) (;@geluGradOut;))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (local.set $pdy (i32.add (local.get $pdy) (i32.const 16)))
        (local.set $pdx (i32.add (local.get $pdx) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $count) (i32.const 3)) (i32.const 2))))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $px) (local.get $end)))
        (local.set $x (f32x4.splat (f32.load (local.get $px))))
        (local.set $dy (f32x4.splat (f32.load (local.get $pdy))))
        (;@geluParts;)
        (f32.store (local.get $pdx) (f32x4.extract_lane 0 (;@geluGradOut;)))
        (local.set $px (i32.add (local.get $px) (i32.const 4)))
        (local.set $pdy (i32.add (local.get $pdy) (i32.const 4)))
        (local.set $pdx (i32.add (local.get $pdx) (i32.const 4)))
        (br $tail))))

  ;; The sum of a vector's 4 lanes.
  (;@macro hsum V
    (f32.add
      (f32.add (f32x4.extract_lane 0 V) (f32x4.extract_lane 1 V))
      (f32.add (f32x4.extract_lane 2 V) (f32x4.extract_lane 3 V)))
  @;)

  ;; LayerNorm over rows of d floats (d a multiple of 4), each row in three passes while it is in
  ;; cache: mean = sum(x) / d, var = sum((x - mean)^2) / d, rstd = 1 / sqrt(var + eps),
  ;; xhat = (x - mean) rstd, y = xhat g + b. Writes y, xhat (kept for the backward pass) and rstd
  ;; (one float per row).
  (func (export "layerNorm") (param $px i32) (param $pg i32) (param $pb i32) (param $py i32)
      (param $pxh i32) (param $pr i32) (param $rows i32) (param $d i32) (param $eps f32)
    (local $rowBytes i32) (local $j i32) (local $acc v128) (local $v v128) (local $m v128)
    (local $rs v128) (local $rstd f32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $rows)))
        ;; mean
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $e1 (loop $l1
          (br_if $e1 (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $px) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l1)))
        (local.set $m (f32x4.splat (f32.div (;@hsum (local.get $acc);) (f32.convert_i32_u (local.get $d)))))
        ;; variance, centred
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $e2 (loop $l2
          (br_if $e2 (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $v (f32x4.sub (v128.load (i32.add (local.get $px) (local.get $j))) (local.get $m)))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $v) (local.get $v))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l2)))
        (local.set $rstd
          (f32.div (f32.const 1)
            (f32.sqrt (f32.add (f32.div (;@hsum (local.get $acc);) (f32.convert_i32_u (local.get $d))) (local.get $eps)))))
        (f32.store (local.get $pr) (local.get $rstd))
        (local.set $rs (f32x4.splat (local.get $rstd)))
        ;; xhat and y
        (local.set $j (i32.const 0))
        (block $e3 (loop $l3
          (br_if $e3 (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $v
            (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $px) (local.get $j))) (local.get $m)) (local.get $rs)))
          (v128.store (i32.add (local.get $pxh) (local.get $j)) (local.get $v))
          (v128.store (i32.add (local.get $py) (local.get $j))
            (f32x4.add
              (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $pg) (local.get $j))))
              (v128.load (i32.add (local.get $pb) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l3)))
        (local.set $px (i32.add (local.get $px) (local.get $rowBytes)))
        (local.set $pxh (i32.add (local.get $pxh) (local.get $rowBytes)))
        (local.set $py (i32.add (local.get $py) (local.get $rowBytes)))
        (local.set $pr (i32.add (local.get $pr) (i32.const 4)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $row))))

  ;; LayerNorm's backward pass over rows of d floats (d a multiple of 4), from the forward's xhat
  ;; and rstd: dxhat = dy g,
  ;;   dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)),  dg = sum_rows(dy xhat),
  ;;   db = sum_rows(dy)  (dg and db accumulated row by row in their outputs).
  (func (export "layerNormGrad") (param $pdy i32) (param $pxh i32) (param $pr i32) (param $pg i32)
      (param $pdx i32) (param $pdg i32) (param $pdb i32) (param $rows i32) (param $d i32)
    (local $rowBytes i32) (local $j i32) (local $a1 v128) (local $a2 v128) (local $dy v128)
    (local $xh v128) (local $dxh v128) (local $m1 v128) (local $m2 v128) (local $rs v128)
    (local $invD f32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $invD (f32.div (f32.const 1) (f32.convert_i32_u (local.get $d))))
    (memory.fill (local.get $pdg) (i32.const 0) (local.get $rowBytes))
    (memory.fill (local.get $pdb) (i32.const 0) (local.get $rowBytes))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $rows)))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $a2 (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $e1 (loop $l1
          (br_if $e1 (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $dy (v128.load (i32.add (local.get $pdy) (local.get $j))))
          (local.set $xh (v128.load (i32.add (local.get $pxh) (local.get $j))))
          (local.set $dxh (f32x4.mul (local.get $dy) (v128.load (i32.add (local.get $pg) (local.get $j)))))
          (local.set $a1 (f32x4.add (local.get $a1) (local.get $dxh)))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $dxh) (local.get $xh))))
          (v128.store (i32.add (local.get $pdg) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $pdg) (local.get $j))) (f32x4.mul (local.get $dy) (local.get $xh))))
          (v128.store (i32.add (local.get $pdb) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $pdb) (local.get $j))) (local.get $dy)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l1)))
        (local.set $m1 (f32x4.splat (f32.mul (;@hsum (local.get $a1);) (local.get $invD))))
        (local.set $m2 (f32x4.splat (f32.mul (;@hsum (local.get $a2);) (local.get $invD))))
        (local.set $rs (f32x4.splat (f32.load (local.get $pr))))
        (local.set $j (i32.const 0))
        (block $e2 (loop $l2
          (br_if $e2 (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $dxh
            (f32x4.mul (v128.load (i32.add (local.get $pdy) (local.get $j))) (v128.load (i32.add (local.get $pg) (local.get $j)))))
          (v128.store (i32.add (local.get $pdx) (local.get $j))
            (f32x4.mul
              (f32x4.sub
                (f32x4.sub (local.get $dxh) (local.get $m1))
                (f32x4.mul (v128.load (i32.add (local.get $pxh) (local.get $j))) (local.get $m2)))
              (local.get $rs)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l2)))
        (local.set $pdy (i32.add (local.get $pdy) (local.get $rowBytes)))
        (local.set $pxh (i32.add (local.get $pxh) (local.get $rowBytes)))
        (local.set $pdx (i32.add (local.get $pdx) (local.get $rowBytes)))
        (local.set $pr (i32.add (local.get $pr) (i32.const 4)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $row))))

  ;; dst[j] += src[j], j < n
  (func $addInto (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $src) (local.get $end)))
        (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (br $tail))))

  ;; out[j] = sum_r x[r cols + j] for a row-major [rows, cols] x (a bias gradient), reading x once
  ;; row by row. Rows are summed in runs of 256 into `run` (cols floats of scratch), and the runs
  ;; into out, so each sum's rounding error grows with 256 + rows / 256 terms, not with rows.
  (func (export "columnSum") (param $x i32) (param $rows i32) (param $cols i32) (param $out i32) (param $run i32)
    (local $r i32) (local $runEnd i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0) (local.get $bytes))
    (block $rowsDone
      (loop $runs
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $runEnd (i32.add (local.get $r) (i32.const 256)))
        (if (i32.gt_u (local.get $runEnd) (local.get $rows)) (then (local.set $runEnd (local.get $rows))))
        (memory.fill (local.get $run) (i32.const 0) (local.get $bytes))
        (block $runDone
          (loop $row
            (br_if $runDone (i32.ge_u (local.get $r) (local.get $runEnd)))
            (call $addInto (local.get $run)
              (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $bytes))) (local.get $cols))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $row)))
        (call $addInto (local.get $out) (local.get $run) (local.get $cols))
        (br $runs))))
)
