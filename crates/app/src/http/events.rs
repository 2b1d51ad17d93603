//! HTTP anomaly events, named as Suricata's `app-layer-event:http.*`.
//!
//! Each transaction keeps the set of events raised while parsing it (a bit
//! set, so recording an event never allocates). [`HttpEvent::name`] is the
//! name rules use after `http.`; [`HttpEvent::eve_name`] is the upper-case
//! form Suricata writes in EVE `anomaly` records.

macro_rules! http_events {
    ($($variant:ident => $name:literal, $eve:literal;)*) => {
        /// An HTTP anomaly, one per Suricata app-layer event name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum HttpEvent {
            $(
                #[doc = concat!("`http.", $name, "`")]
                $variant,
            )*
        }

        impl HttpEvent {
            /// Every event, in declaration order.
            pub const ALL: &'static [HttpEvent] = &[$(HttpEvent::$variant,)*];

            /// The rule name without the `http.` prefix
            /// (`app-layer-event:http.<name>`).
            pub fn name(self) -> &'static str {
                match self { $(HttpEvent::$variant => $name,)* }
            }

            /// The name Suricata writes in EVE `anomaly.event`.
            pub fn eve_name(self) -> &'static str {
                match self { $(HttpEvent::$variant => $eve,)* }
            }

            /// Looks an event up by its rule name (with or without `http.`).
            pub fn from_name(name: &str) -> Option<HttpEvent> {
                let name = name.strip_prefix("http.").unwrap_or(name);
                match name { $($name => Some(HttpEvent::$variant),)* _ => None }
            }
        }
    };
}

http_events! {
    UnknownError => "unknown_error", "UNKNOWN_ERROR";
    GzipDecompressionFailed => "gzip_decompression_failed", "GZIP_DECOMPRESSION_FAILED";
    RequestFieldMissingColon => "request_field_missing_colon", "REQUEST_FIELD_MISSING_COLON";
    ResponseFieldMissingColon => "response_field_missing_colon", "RESPONSE_FIELD_MISSING_COLON";
    InvalidRequestChunkLen => "invalid_request_chunk_len", "INVALID_REQUEST_CHUNK_LEN";
    InvalidResponseChunkLen => "invalid_response_chunk_len", "INVALID_RESPONSE_CHUNK_LEN";
    InvalidTransferEncodingValueInRequest => "invalid_transfer_encoding_value_in_request", "INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST";
    InvalidTransferEncodingValueInResponse => "invalid_transfer_encoding_value_in_response", "INVALID_TRANSFER_ENCODING_VALUE_IN_RESPONSE";
    InvalidContentLengthFieldInRequest => "invalid_content_length_field_in_request", "INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST";
    InvalidContentLengthFieldInResponse => "invalid_content_length_field_in_response", "INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE";
    DuplicateContentLengthFieldInRequest => "duplicate_content_length_field_in_request", "DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST";
    DuplicateContentLengthFieldInResponse => "duplicate_content_length_field_in_response", "DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE";
    ContinueAlreadySeen => "100_continue_already_seen", "100_CONTINUE_ALREADY_SEEN";
    UnableToMatchResponseToRequest => "unable_to_match_response_to_request", "UNABLE_TO_MATCH_RESPONSE_TO_REQUEST";
    InvalidServerPortInRequest => "invalid_server_port_in_request", "INVALID_SERVER_PORT_IN_REQUEST";
    InvalidAuthorityPort => "invalid_authority_port", "INVALID_AUTHORITY_PORT";
    RequestHeaderInvalid => "request_header_invalid", "REQUEST_HEADER_INVALID";
    ResponseHeaderInvalid => "response_header_invalid", "RESPONSE_HEADER_INVALID";
    MissingHostHeader => "missing_host_header", "MISSING_HOST_HEADER";
    HostHeaderAmbiguous => "host_header_ambiguous", "HOST_HEADER_AMBIGUOUS";
    InvalidRequestFieldFolding => "invalid_request_field_folding", "INVALID_REQUEST_FIELD_FOLDING";
    InvalidResponseFieldFolding => "invalid_response_field_folding", "INVALID_RESPONSE_FIELD_FOLDING";
    RequestFieldTooLong => "request_field_too_long", "REQUEST_FIELD_TOO_LONG";
    ResponseFieldTooLong => "response_field_too_long", "RESPONSE_FIELD_TOO_LONG";
    RequestLineInvalid => "request_line_invalid", "REQUEST_LINE_INVALID";
    RequestBodyUnexpected => "request_body_unexpected", "REQUEST_BODY_UNEXPECTED";
    RequestHeaderRepetition => "request_header_repetition", "REQUEST_HEADER_REPETITION";
    ResponseHeaderRepetition => "response_header_repetition", "RESPONSE_HEADER_REPETITION";
    UriDelimNonCompliant => "uri_delim_non_compliant", "URI_DELIM_NON_COMPLIANT";
    MethodDelimNonCompliant => "method_delim_non_compliant", "METHOD_DELIM_NON_COMPLIANT";
    RequestLineLeadingWhitespace => "request_line_leading_whitespace", "REQUEST_LINE_LEADING_WHITESPACE";
    TooManyEncodingLayers => "too_many_encoding_layers", "TOO_MANY_ENCODING_LAYERS";
    AbnormalCeHeader => "abnormal_ce_header", "ABNORMAL_CE_HEADER";
    ResponseMultipartByteranges => "response_multipart_byteranges", "RESPONSE_MULTIPART_BYTERANGES";
    ResponseAbnormalTransferEncoding => "response_abnormal_transfer_encoding", "RESPONSE_ABNORMAL_TRANSFER_ENCODING";
    ResponseChunkedOldProto => "response_chunked_old_proto", "RESPONSE_CHUNKED_OLD_PROTO";
    ResponseInvalidProtocol => "response_invalid_protocol", "RESPONSE_INVALID_PROTOCOL";
    ResponseInvalidStatus => "response_invalid_status", "RESPONSE_INVALID_STATUS";
    RequestLineIncomplete => "request_line_incomplete", "REQUEST_LINE_INCOMPLETE";
    DoubleEncodedUri => "double_encoded_uri", "DOUBLE_ENCODED_URI";
    RequestLineMissingProtocol => "request_line_missing_protocol", "REQUEST_LINE_MISSING_PROTOCOL";
    RequestTooManyHeaders => "request_too_many_headers", "REQUEST_TOO_MANY_HEADERS";
    ResponseTooManyHeaders => "response_too_many_headers", "RESPONSE_TOO_MANY_HEADERS";
    RequestChunkExtension => "request_chunk_extension", "REQUEST_CHUNK_EXTENSION";
    ResponseChunkExtension => "response_chunk_extension", "RESPONSE_CHUNK_EXTENSION";
    CompressionBomb => "compression_bomb", "COMPRESSION_BOMB";
    ResponseBodyUnexpected => "response_body_unexpected", "RESPONSE_BODY_UNEXPECTED";
    RequestAuthUnrecognized => "request_auth_unrecognized", "REQUEST_AUTH_UNRECOGNIZED";
}

/// A set of [`HttpEvent`]s (a bit set; insertion never allocates).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpEvents(u64);

impl HttpEvents {
    /// Adds an event; returns `true` when it was not already present.
    pub fn insert(&mut self, ev: HttpEvent) -> bool {
        let bit = 1u64 << (ev as u8);
        let new = self.0 & bit == 0;
        self.0 |= bit;
        new
    }

    /// Whether the set holds `ev`.
    pub fn contains(&self, ev: HttpEvent) -> bool {
        self.0 & (1u64 << (ev as u8)) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The events in the set, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = HttpEvent> + '_ {
        HttpEvent::ALL.iter().copied().filter(|e| self.contains(*e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_fit_the_bit_set() {
        assert!(HttpEvent::ALL.len() <= 64);
        for e in HttpEvent::ALL {
            assert_eq!(HttpEvent::from_name(e.name()), Some(*e));
            assert_eq!(e.eve_name(), e.name().to_ascii_uppercase());
        }
        assert_eq!(
            HttpEvent::from_name("http.invalid_request_chunk_len"),
            Some(HttpEvent::InvalidRequestChunkLen)
        );
    }

    #[test]
    fn set_insert_contains() {
        let mut s = HttpEvents::default();
        assert!(s.insert(HttpEvent::MissingHostHeader));
        assert!(!s.insert(HttpEvent::MissingHostHeader));
        assert!(s.contains(HttpEvent::MissingHostHeader));
        assert_eq!(s.iter().count(), 1);
    }
}
