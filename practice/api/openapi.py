"""The OpenAPI 3 description of the public JSON API."""

_ERROR = {
    "description": "A message saying what to change",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def openapi_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Tend public booking API",
            "version": "1.0.0",
            "description": "Published services, their free times, and booking one. No session cookie is needed.",
        },
        "paths": {
            "/api/v1/services": {
                "get": {
                    "summary": "The published services",
                    "operationId": "listServices",
                    "responses": {
                        "200": {
                            "description": "Every published service",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["services"],
                                        "properties": {
                                            "services": {"type": "array", "items": {"$ref": "#/components/schemas/Service"}}
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            },
            "/api/v1/slots": {
                "get": {
                    "summary": "Free times of a service, the same the booking page shows",
                    "operationId": "listSlots",
                    "parameters": [
                        {"name": "service", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}},
                        {"name": "start", "in": "query", "required": True, "description": "First day, in `tz`: from today to 366 days ahead", "schema": {"type": "string", "format": "date"}},
                        {"name": "end", "in": "query", "required": True, "description": "Last day (inclusive), at most 61 days after `start`", "schema": {"type": "string", "format": "date"}},
                        {"name": "tz", "in": "query", "required": True, "description": "IANA timezone for the days and the returned offsets", "schema": {"type": "string", "example": "Europe/London"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "Free slots in time order",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["slots"],
                                        "properties": {"slots": {"type": "array", "items": {"$ref": "#/components/schemas/Slot"}}},
                                    }
                                }
                            },
                        },
                        "400": _ERROR,
                        "404": _ERROR,
                    },
                }
            },
            "/api/v1/bookings": {
                "post": {
                    "summary": "Book a free time",
                    "operationId": "createBooking",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BookingRequest"}}},
                    },
                    "responses": {
                        "201": {
                            "description": "Booked",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Booking"}}},
                        },
                        "400": _ERROR,
                        "404": _ERROR,
                        "409": {**_ERROR, "description": "The time was just taken; choose another"},
                        "413": {**_ERROR, "description": "The body is larger than the server accepts"},
                        "422": {
                            **_ERROR,
                            "description": "The details or the time can't be accepted, or the service is paid online "
                            "when booking and is booked on its booking page instead",
                        },
                        "429": {**_ERROR, "description": "Too many requests; wait a minute"},
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Service": {
                    "type": "object",
                    "required": ["id", "practice", "practitioner", "name", "duration_minutes", "price_cents", "currency", "capacity"],
                    "properties": {
                        "id": {"type": "integer"},
                        "practice": {"type": "string", "description": "The practice's URL slug"},
                        "practitioner": {"type": "string", "description": "The practitioner's URL slug"},
                        "name": {"type": "string"},
                        "duration_minutes": {"type": "integer"},
                        "price_cents": {"type": "integer", "description": "Integer minor units of `currency`"},
                        "currency": {"type": "string", "description": "ISO 4217 code"},
                        "capacity": {"type": "integer", "description": "1 for one-to-one; more for a group"},
                    },
                },
                "Slot": {
                    "type": "object",
                    "required": ["start", "end", "remaining"],
                    "properties": {
                        "start": {"type": "string", "format": "date-time"},
                        "end": {"type": "string", "format": "date-time"},
                        "remaining": {
                            "type": "integer",
                            "nullable": True,
                            "description": "Places still free; null for a group whose practice keeps counts private",
                        },
                        "places": {
                            "type": "string",
                            "enum": ["available", "few"],
                            "description": "How many places are left, in words: few is at most three (and at most half)",
                        },
                    },
                },
                "BookingRequest": {
                    "type": "object",
                    "required": ["service", "start", "name", "email", "timezone"],
                    "properties": {
                        "service": {"type": "integer"},
                        "start": {"type": "string", "format": "date-time", "description": "A `start` from /api/v1/slots"},
                        "name": {"type": "string", "maxLength": 120},
                        "email": {"type": "string", "format": "email", "maxLength": 254},
                        "timezone": {"type": "string", "maxLength": 64, "description": "The client's IANA timezone"},
                        "phone": {"type": "string", "maxLength": 40},
                        "preferred_name": {"type": "string", "maxLength": 120},
                        "pronouns": {"type": "string", "maxLength": 40},
                        "note": {"type": "string", "maxLength": 2000},
                    },
                },
                "Booking": {
                    "type": "object",
                    "required": ["id", "status", "manage_url"],
                    "properties": {
                        "id": {"type": "string"},
                        "status": {"type": "string", "enum": ["held", "confirmed", "completed", "no_show", "cancelled"]},
                        "awaiting": {
                            "type": "string",
                            "nullable": True,
                            "enum": ["email", "payment", None],
                            "description": "What a held booking waits for: email means the client was sent a link to confirm their address",
                        },
                        "manage_url": {"type": "string", "format": "uri", "description": "The client's private link to see or cancel"},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
            }
        },
    }
