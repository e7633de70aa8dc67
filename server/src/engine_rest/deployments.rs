//! `POST /deployment/create`: a multipart upload of BPMN files with Camunda's form parts
//! (`deployment-name`, `deployment-source`, `tenant-id`, ...; every part with a file name is a
//! resource). All or nothing: a file that does not parse refuses the whole upload. The answer
//! is Camunda's `DeploymentWithDefinitionsDto`, `deployedProcessDefinitions` keyed by id; a
//! process whose content is unchanged gets no new version and is answered with its latest one.

use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Extension, Json, Router};
use engine::bpmn::parse::ParseOptions;
use engine::deploy::DefinitionFilter;
use engine::identity::CurrentSession;
use serde_json::{json, Map, Value};

use super::definitions::definition_json;
use super::types::{camunda_date, tenant_out};
use super::{RestError, RestResult};
use crate::input::size_text;
use crate::AppState;

pub(super) fn routes(max_upload: usize) -> Router<AppState> {
    Router::new().route("/deployment/create", post(create).layer(DefaultBodyLimit::max(max_upload)))
}

/// The largest text part (`deployment-name`, `tenant-id`, ...).
const MAX_TEXT_PART: usize = 4096;

/// What the form carries.
#[derive(Default)]
struct Upload {
    name: Option<String>,
    source: Option<String>,
    tenant: Option<String>,
    files: Vec<(String, Vec<u8>)>,
}

/// Whether a resource is one the engine deploys: BPMN files (`.bpmn`, `.bpmn20.xml`, `.xml`)
/// or parts without an extension (clients that send bare bytes).
fn is_bpmn(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    lower.ends_with(".bpmn") || lower.ends_with(".xml") || !lower.rsplit('/').next().unwrap_or("").contains('.')
}

/// The bytes of one part, refused (413) as soon as they pass `limit`.
async fn read_part(part: &mut Field<'_>, what: &str, limit: usize) -> RestResult<Vec<u8>> {
    let mut bytes = Vec::new();
    while let Some(chunk) = part.chunk().await.map_err(|e| multipart_error(&e))? {
        if bytes.len() + chunk.len() > limit {
            return Err(RestError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "InvalidRequestException",
                format!("{what} is larger than the limit of {}; nothing was deployed.", size_text(limit)),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn multipart_error(e: &axum::extract::multipart::MultipartError) -> RestError {
    RestError::new(
        e.status(),
        "InvalidRequestException",
        format!("The upload is not readable multipart form data ({e}); nothing was deployed."),
    )
}

/// Reads the form: text parts by name, every part with a file name as a resource.
async fn read_upload(form: &mut Multipart, max_file: usize) -> RestResult<Upload> {
    let mut upload = Upload::default();
    while let Some(mut part) = form.next_field().await.map_err(|e| multipart_error(&e))? {
        let name = part.name().unwrap_or_default().to_owned();
        if let Some(file_name) = part.file_name().map(str::to_owned) {
            if !is_bpmn(&file_name) {
                return Err(RestError::invalid(format!(
                    "Resource '{file_name}' is not a BPMN file: this engine deploys BPMN processes only (.bpmn, \
                     .bpmn20.xml); deploy it without that resource. Nothing was deployed."
                )));
            }
            let bytes = read_part(&mut part, &format!("The file '{file_name}'"), max_file).await?;
            upload.files.push((file_name, bytes));
            continue;
        }
        let field = match name.as_str() {
            "deployment-name" => &mut upload.name,
            "deployment-source" => &mut upload.source,
            "tenant-id" => &mut upload.tenant,
            // Duplicate filtering is what the engine always does (identical content adds no
            // version); the activation time and the rest are not read.
            _ => {
                read_part(&mut part, &format!("The part '{name}'"), MAX_TEXT_PART).await?;
                continue;
            }
        };
        let text = read_part(&mut part, &format!("The part '{name}'"), MAX_TEXT_PART).await?;
        *field = Some(String::from_utf8_lossy(&text).trim().to_owned()).filter(|t| !t.is_empty());
    }
    Ok(upload)
}

/// `POST /deployment/create`: 200 with the deployment and its process definitions.
async fn create(
    State(state): State<AppState>,
    Extension(who): Extension<CurrentSession>,
    form: Result<Multipart, MultipartRejection>,
) -> RestResult<Json<Value>> {
    let mut form = form.map_err(|e| {
        RestError::invalid(format!("{}; send multipart/form-data with one part per BPMN file.", e.body_text()))
    })?;
    let upload = match read_upload(&mut form, state.max_file_bytes).await {
        Ok(upload) => upload,
        Err(refusal) => {
            crate::api::drain(&mut form).await;
            return Err(refusal);
        }
    };
    if upload.files.is_empty() {
        return Err(RestError::invalid("The deployment has no resource; add a part with a .bpmn file."));
    }
    let caller = &who.session.account;
    let tenant = upload
        .tenant
        .or_else(|| caller.tenant_scope().map(str::to_owned))
        .unwrap_or_else(|| engine::demo::DEFAULT_TENANT.to_owned());
    let opts = ParseOptions { max_bytes: state.max_file_bytes };
    let engine = &state.engine;
    let report = engine.deploy_all_or_nothing(caller, &tenant, upload.files, &opts).await?;
    // The ids of the new versions, then the latest versions of unchanged processes.
    let mut ids: Vec<String> = report.files.iter().flat_map(|f| f.definitions.iter().map(|d| d.id.clone())).collect();
    for key in report.files.iter().flat_map(|f| f.unchanged.iter()) {
        ids.push(engine.latest_definition(caller, key, Some(&tenant)).await?.summary.id);
    }
    let f = DefinitionFilter { ids, limit: engine::instances::MAX_FILTER_PAGE, ..DefinitionFilter::default() };
    let definitions = engine.filter_definitions(caller, &f).await?;
    let deployed: Map<String, Value> = definitions.iter().map(|d| (d.summary.id.clone(), definition_json(d))).collect();
    let id = report
        .files
        .iter()
        .find_map(|f| f.deployment_id.clone())
        .or_else(|| definitions.first().map(|d| d.summary.deployment_id.clone()));
    let at = definitions.iter().map(|d| d.summary.deployed_at).max().unwrap_or_default();
    Ok(Json(json!({
        "links": [],
        "id": id,
        "name": upload.name,
        "source": upload.source,
        "deploymentTime": camunda_date(at),
        "tenantId": tenant_out(&tenant),
        "deployedProcessDefinitions": deployed,
        "deployedCaseDefinitions": null,
        "deployedDecisionDefinitions": null,
        "deployedDecisionRequirementsDefinitions": null,
    })))
}
