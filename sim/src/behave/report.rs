//! A report in parts ([`Behaviour::ReportInParts`], Analytics): pages of `limit` rows (25 by
//! default, as Alma), the first with a resumption token and the columns' headings, the last
//! saying `IsFinished`; asking past the end gets the operation's "No more rows to fetch".

use alma_runtime::registry::Behaviour;
use serde_json::json;

use super::{Ctx, Rule};
use crate::answer::{escape, Answer};

pub const RULE: Rule = Rule {
    name: "report in parts",
    applies: |op| op.behaviours.contains(&Behaviour::ReportInParts),
    serve,
};

fn serve(cx: &mut Ctx<'_>) -> Option<Answer> {
    let total = cx.alma.config.report_rows;
    let limit = cx
        .req
        .query("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(25)
        .clamp(25, 1000);
    let path = cx.req.query("path").unwrap_or("/shared/Sim/Report");
    let first = cx.req.query("token").is_none();
    let token = match cx.req.query("token") {
        None => format!("SIM{:032X}", fastrand::u128(..)),
        Some(t) => t.to_owned(),
    };
    let offset = match cx.state.rules.reports.get(&token) {
        Some(o) => *o,
        None if first => 0,
        None => return Some(cx.refuse(&["no more rows"], "")),
    };
    if offset >= total && !first {
        cx.state.rules.reports.remove(&token);
        return Some(cx.refuse(&["no more rows"], ""));
    }
    let end = (offset + limit).min(total);
    cx.state.rules.reports.insert(token.clone(), end);
    let mut xml = String::from("<QueryResult>");
    if first {
        xml.push_str(&format!("<ResumptionToken>{token}</ResumptionToken>"));
    }
    xml.push_str(&format!("<IsFinished>{}</IsFinished><ResultXml><rowset xmlns=\"urn:schemas-microsoft-com:xml-analysis:rowset\">", end >= total));
    if first {
        xml.push_str("<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:saw-sql=\"urn:saw-sql\" targetNamespace=\"urn:schemas-microsoft-com:xml-analysis:rowset\"><xsd:complexType name=\"Row\"><xsd:sequence>");
        for (i, heading) in ["Row", "Title", "Barcode", "Report"].iter().enumerate() {
            xml.push_str(&format!(
                "<xsd:element maxOccurs=\"1\" minOccurs=\"0\" name=\"Column{i}\" saw-sql:columnHeading=\"{heading}\" type=\"xsd:string\"/>"
            ));
        }
        xml.push_str("</xsd:sequence></xsd:complexType></xsd:schema>");
    }
    for row in offset..end {
        xml.push_str(&format!(
            "<Row><Column0>{row}</Column0><Column1>Title {row}</Column1><Column2>39{row:011}</Column2><Column3>{}</Column3></Row>",
            escape(path)
        ));
    }
    xml.push_str("</rowset></ResultXml></QueryResult>");
    Some(
        cx.alma
            .record_answer(cx.req, cx.op, &json!({ "anies": [xml] }), 200),
    )
}
