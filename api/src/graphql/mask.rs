//! Masking of 身份证号 and mobile numbers for readers who may see a case only masked
//! (auditors): in JSON values and inside free text.

use engine::ids::IdCardNumber;

/// Masks 身份证号 and mobile numbers anywhere in a JSON value, inside free text too.
pub fn mask_personal(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            if let Some(masked) = mask_text(s) {
                *s = masked;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_personal),
        serde_json::Value::Object(map) => map.values_mut().for_each(mask_personal),
        _ => {}
    }
}

/// `text` with every 身份证号 (18 characters, check digit valid) and mainland mobile
/// number (11 digits from 1) in it masked; `None` when there is none. A number is a run of
/// ASCII digits (and a final X) not touching other digits, so longer numbers (account
/// numbers, codes) are left alone.
#[must_use]
pub fn mask_text(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    let mut last = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i - start == 17 && i < bytes.len() && (bytes[i] == b'X' || bytes[i] == b'x') {
            i += 1;
        }
        // ASCII digits and X: byte offsets are character boundaries.
        let run = &text[start..i];
        let masked = if run.len() == 18 {
            IdCardNumber::parse(run).ok().map(|id| id.masked())
        } else if run.len() == 11 && run.starts_with('1') {
            Some(format!("{}****{}", &run[..3], &run[7..]))
        } else {
            None
        };
        if let Some(m) = masked {
            out.push_str(&text[last..start]);
            out.push_str(&m);
            last = i;
            changed = true;
        }
    }
    changed.then(|| {
        out.push_str(&text[last..]);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::mask_text;

    #[test]
    fn numbers_inside_free_text_are_masked_and_others_left_alone() {
        let masked = mask_text("申请人身份证号440524188001010014，电话13812345678。").unwrap();
        assert!(!masked.contains("188001010014") && !masked.contains("12345678"), "{masked}");
        assert!(masked.contains("138****5678"), "{masked}");
        assert!(mask_text("11010519491231002X").unwrap().contains('*'));
        assert_eq!(mask_text("证书编号 20264101000012345 与 12345"), None, "17 digits, 5 digits: not personal numbers");
        assert_eq!(mask_text("440524188001010015"), None, "a wrong check digit is not a 身份证号");
        assert_eq!(mask_text("没有号码"), None);
    }
}
