//! Real, scannable QR code images, so clients that render or decode `qr_code` see the genuine
//! article.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use qrcode::{Color, QrCode};

/// Pixels per QR module.
const SCALE: usize = 4;
/// Blank modules around the code; the QR standard asks for four.
const QUIET_ZONE: usize = 4;

/// `text` as a `data:image/png;base64,…` URL of a black-on-white grayscale QR code.
///
/// ```
/// let url = fake_waapi::qr::png_data_url("2@fake-waapi:instance=2:1");
/// assert!(url.starts_with("data:image/png;base64,iVBORw0KGgo"));
/// ```
pub fn png_data_url(text: &str) -> String {
    format!("data:image/png;base64,{}", STANDARD.encode(png(text)))
}

fn png(text: &str) -> Vec<u8> {
    // The texts are a few dozen ASCII bytes, far below any QR capacity.
    let code = QrCode::new(text.as_bytes()).expect("QR text fits in a QR code");
    let modules = code.width();
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let mut pixels = vec![u8::MAX; side * side];
    for (index, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Light {
            continue;
        }
        let left = (index % modules + QUIET_ZONE) * SCALE;
        let top = (index / modules + QUIET_ZONE) * SCALE;
        for y in top..top + SCALE {
            pixels[y * side + left..y * side + left + SCALE].fill(0);
        }
    }

    let mut out = Vec::new();
    let side = u32::try_from(side).expect("QR images are a few hundred pixels wide");
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    // Writing a correctly sized buffer into a Vec cannot fail.
    encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&pixels))
        .expect("PNG encoding into memory");
    out
}
