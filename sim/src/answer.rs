//! What the simulator answers: a status, headers and a body, and Alma's error bodies in both
//! formats (the gateway's always in XML, as the guide says).

use alma_runtime::Format;
use bytes::Bytes;

/// One answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<&'static str>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

impl Answer {
    pub fn new(status: u16, format: Format, body: impl Into<Bytes>) -> Answer {
        Answer {
            status,
            content_type: Some(format.media_type()),
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn empty(status: u16) -> Answer {
        Answer {
            status,
            content_type: None,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Answer {
        self.headers.push((name, value.into()));
        self
    }

    /// Alma's error body for one error, in `format`.
    pub fn alma_error(status: u16, format: Format, code: &str, message: &str) -> Answer {
        let tracking = format!("E01-SIM-{:08X}", fastrand::u32(..));
        let body = match format {
            Format::Json => serde_json::json!({
                "errorsExist": true,
                "errorList": {"error": [{"errorCode": code, "errorMessage": message, "trackingId": tracking}]},
                "result": null
            })
            .to_string(),
            Format::Xml => format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><web_service_result xmlns=\"http://com/exlibris/urm/general/xmlbeans\"><errorsExist>true</errorsExist><errorList><error><errorCode>{}</errorCode><errorMessage>{}</errorMessage><trackingId>{tracking}</trackingId></error></errorList></web_service_result>",
                escape(code),
                escape(message)
            ),
        };
        Answer::new(status, format, body)
    }

    /// The gateway's error: always XML, no tracking id (as the guide shows them).
    pub fn gateway_error(status: u16, code: &str, message: &str) -> Answer {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<web_service_result xmlns=\"http://com/exlibris/urm/general/xmlbeans\">\n  <errorsExist>true</errorsExist>\n  <errorList>\n    <error>\n      <errorCode>{}</errorCode>\n      <errorMessage>{}</errorMessage>\n    </error>\n  </errorList>\n</web_service_result>",
            escape(code),
            escape(message)
        );
        Answer::new(status, Format::Xml, body)
    }
}

/// Text made safe for XML content and attribute values (quick-xml's, as everywhere).
pub use quick_xml::escape::escape;
