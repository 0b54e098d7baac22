namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>Decides a survey's CRS from what the file says and what the upload declares; never guesses.</summary>
internal static class SurveyCrs
{
    public static int Resolve(int? fileSrid, int? declaredSrid, int? rfcDefault)
    {
        if (fileSrid is not null && declaredSrid is not null && fileSrid != declaredSrid)
        {
            throw SurveyUnreadableException.Because($"The file says EPSG:{fileSrid} but the upload declares EPSG:{declaredSrid}; they must agree.");
        }

        var srid = fileSrid ?? declaredSrid ?? rfcDefault
            ?? throw SurveyUnreadableException.Because("The file names no coordinate reference system: declare crs (EPSG:2007 or EPSG:4326) with the upload.");
        if (srid is not (2007 or 4326))
        {
            throw SurveyUnreadableException.Because($"Surveys are lodged in the national grid (EPSG:2007) or WGS 84 (EPSG:4326), not EPSG:{srid}.");
        }

        return srid;
    }

    /// <summary>Refuses coordinates that cannot be in the stated CRS, e.g. grid metres declared as WGS 84.</summary>
    public static void CheckRange(int srid, IEnumerable<SurveyedParcel> parcels)
    {
        foreach (var parcel in parcels)
        {
            var box = parcel.Boundary.EnvelopeInternal;
            var inside = srid == 4326
                ? box.MinX >= -62.5 && box.MaxX <= -60.5 && box.MinY >= 12.0 && box.MaxY <= 14.0
                : box.MinX >= 300_000 && box.MaxX <= 700_000 && box.MinY >= 1_300_000 && box.MaxY <= 1_700_000;
            if (!inside)
            {
                throw SurveyUnreadableException.Because(
                    $"{parcel.Label} lies at {box.MinX:0.###},{box.MinY:0.###}, outside Saint Vincent in EPSG:{srid}: the coordinates are in another CRS than the one stated.");
            }
        }
    }
}
